package io.nestedvirt.operator.cloud.aws;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.GetParameterRequest;
import software.amazon.awssdk.services.ssm.model.GetParameterResponse;
import software.amazon.awssdk.services.ssm.model.ParameterNotFoundException;
import software.amazon.awssdk.services.ssm.model.SsmException;

/** SSM parameters that a test can republish, fail or delete; counts GetParameter per name. */
public final class ScriptedSsm implements SsmClient {
  public final Map<String, String> parameters = new HashMap<>();
  public final List<String> asked = new ArrayList<>();
  public String failWith;

  @Override
  public GetParameterResponse getParameter(GetParameterRequest request) {
    asked.add(request.name());
    if (failWith != null) {
      throw SsmException.builder()
          .statusCode(400)
          .awsErrorDetails(AwsErrorDetails.builder().errorCode(failWith).serviceName("SSM").build())
          .build();
    }
    String value = parameters.get(request.name());
    if (value == null) {
      throw ParameterNotFoundException.builder()
          .statusCode(400)
          .awsErrorDetails(
              AwsErrorDetails.builder().errorCode("ParameterNotFound").serviceName("SSM").build())
          .build();
    }
    return GetParameterResponse.builder()
        .parameter(p -> p.name(request.name()).value(value))
        .build();
  }

  public long asked(String name) {
    return asked.stream().filter(name::equals).count();
  }

  @Override
  public String serviceName() {
    return "ssm";
  }

  @Override
  public void close() {}
}
