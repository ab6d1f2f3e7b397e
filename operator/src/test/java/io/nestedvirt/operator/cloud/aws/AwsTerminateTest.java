package io.nestedvirt.operator.cloud.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nestedvirt.operator.cloud.CloudException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.TerminateInstancesRequest;
import software.amazon.awssdk.services.ec2.model.TerminateInstancesResponse;
import software.amazon.awssdk.services.ssm.SsmClient;

/** Terminate's handling of EC2's all-or-nothing NotFound, against a scripted EC2. */
class AwsTerminateTest {

  /** Knows some instance ids; fails a whole call naming the unknown ones, as EC2 does. */
  static final class ScriptedEc2 implements Ec2Client {
    final Set<String> known = new HashSet<>();
    final Set<String> terminated = new HashSet<>();
    final List<List<String>> calls = new ArrayList<>();
    boolean nameMissingIds = true;
    String failWithCode;

    @Override
    public TerminateInstancesResponse terminateInstances(TerminateInstancesRequest request) {
      calls.add(request.instanceIds());
      if (failWithCode != null) {
        throw AwsErrorTranslationTest.ec2(403, failWithCode, "not allowed");
      }
      List<String> missing =
          request.instanceIds().stream().filter(id -> !known.contains(id)).toList();
      if (!missing.isEmpty()) {
        String message =
            nameMissingIds
                ? "The instance IDs '" + String.join(", ", missing) + "' do not exist"
                : "Some of the instances do not exist";
        throw AwsErrorTranslationTest.ec2(400, "InvalidInstanceID.NotFound", message);
      }
      terminated.addAll(request.instanceIds());
      return TerminateInstancesResponse.builder().build();
    }

    @Override
    public String serviceName() {
      return "ec2";
    }

    @Override
    public void close() {}
  }

  static final class NoSsm implements SsmClient {
    @Override
    public String serviceName() {
      return "ssm";
    }

    @Override
    public void close() {}
  }

  private final ScriptedEc2 ec2 = new ScriptedEc2();
  private final AwsCloudProvider provider = new AwsCloudProvider("prod", ec2, new NoSsm());

  @Test
  void terminatingGoneInstancesStillTerminatesTheOthers() {
    ec2.known.addAll(List.of("i-0aaa", "i-0bbb"));

    provider.terminate(List.of("i-0aaa", "i-0dead", "i-0bbb", "i-0gone"));

    assertThat(ec2.terminated).containsExactlyInAnyOrder("i-0aaa", "i-0bbb");
    assertThat(ec2.calls)
        .as("one failed call, then one without the ids EC2 named")
        .hasSize(2)
        .last()
        .isEqualTo(List.of("i-0aaa", "i-0bbb"));
  }

  @Test
  void fallsBackToOneByOneWhenTheErrorNamesNoIds() {
    ec2.known.addAll(List.of("i-0aaa", "i-0bbb"));
    ec2.nameMissingIds = false;

    provider.terminate(List.of("i-0aaa", "i-0dead", "i-0bbb"));

    assertThat(ec2.terminated).containsExactlyInAnyOrder("i-0aaa", "i-0bbb");
  }

  @Test
  void terminatingOnlyGoneInstancesSucceeds() {
    provider.terminate(List.of("i-0dead"));

    assertThat(ec2.terminated).isEmpty();
  }

  @Test
  void splitsLargeTerminationsIntoBatchesOfAtMostOneThousand() {
    List<String> ids = IntStream.range(0, 2500).mapToObj(i -> "i-" + i).toList();
    ec2.known.addAll(ids);

    provider.terminate(ids);

    assertThat(ec2.calls).extracting(List::size).containsExactly(1000, 1000, 500);
    assertThat(ec2.terminated).hasSize(2500);
  }

  @Test
  void otherFailuresCrossTheDoorAsCloudExceptions() {
    ec2.known.add("i-0aaa");
    ec2.failWithCode = "UnauthorizedOperation";

    assertThatThrownBy(() -> provider.terminate(List.of("i-0aaa")))
        .isExactlyInstanceOf(CloudException.class)
        .extracting(e -> ((CloudException) e).code())
        .isEqualTo("UnauthorizedOperation");
  }
}
