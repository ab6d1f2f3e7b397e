package io.nestedvirt.sandbox.ec2;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.ssm.SsmClient;

/** Real AWS SDK clients pointed at an emulator, configured as the operator will configure them. */
final class SdkClients {
  private static final StaticCredentialsProvider CREDENTIALS =
      StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret"));

  private SdkClients() {}

  static Ec2Client ec2(Ec2Emulator emulator) {
    return ec2(emulator, RetryMode.STANDARD);
  }

  /** {@code null} retry mode: no retries at all. */
  static Ec2Client ec2(Ec2Emulator emulator, RetryMode retryMode) {
    return Ec2Client.builder()
        .endpointOverride(emulator.endpoint())
        .region(Region.US_EAST_1)
        .credentialsProvider(CREDENTIALS)
        .httpClientBuilder(Apache5HttpClient.builder())
        .overrideConfiguration(
            o -> {
              if (retryMode == null) {
                o.retryStrategy(b -> b.maxAttempts(1));
              } else {
                o.retryStrategy(retryMode);
              }
            })
        .build();
  }

  static SsmClient ssm(Ec2Emulator emulator) {
    return SsmClient.builder()
        .endpointOverride(emulator.endpoint())
        .region(Region.US_EAST_1)
        .credentialsProvider(CREDENTIALS)
        .httpClientBuilder(Apache5HttpClient.builder())
        .build();
  }

  /** Without retries, so that a test counts every call the emulator receives. */
  static SqsClient sqs(Ec2Emulator emulator) {
    return SqsClient.builder()
        .endpointOverride(emulator.endpoint())
        .region(Region.US_EAST_1)
        .credentialsProvider(CREDENTIALS)
        .httpClientBuilder(Apache5HttpClient.builder())
        .overrideConfiguration(o -> o.retryStrategy(b -> b.maxAttempts(1)))
        .build();
  }
}
