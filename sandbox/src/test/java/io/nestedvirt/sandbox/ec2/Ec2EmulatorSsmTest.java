package io.nestedvirt.sandbox.ec2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.Parameter;
import software.amazon.awssdk.services.ssm.model.ParameterNotFoundException;
import software.amazon.awssdk.services.ssm.model.ParameterType;
import software.amazon.awssdk.services.ssm.model.SsmException;

class Ec2EmulatorSsmTest {
  private final ManualClock clock =
      new ManualClock(java.time.Instant.parse("2026-11-30T12:00:00Z"));
  private Ec2Emulator emulator;
  private Ec2Emulator.SeededCluster cluster;
  private SsmClient ssm;

  @BeforeEach
  void start() {
    emulator = Ec2Emulator.builder().clock(clock).tickInterval(Duration.ZERO).start();
    cluster = emulator.seedCluster("demo");
    ssm = SdkClients.ssm(emulator);
  }

  @AfterEach
  void stop() {
    ssm.close();
    emulator.close();
  }

  @Test
  void eksAmiParametersForEverySeededKubernetesVersionPointAtTheSeededImage() {
    for (int minor = 30; minor <= 35; minor++) {
      String name =
          "/aws/service/eks/optimized-ami/1."
              + minor
              + "/amazon-linux-2023/x86_64/standard/recommended/image_id";
      Parameter parameter = ssm.getParameter(r -> r.name(name)).parameter();
      assertThat(parameter.value()).as(name).isEqualTo(cluster.imageId());
      assertThat(parameter.name()).isEqualTo(name);
      assertThat(parameter.type()).isEqualTo(ParameterType.STRING);
      assertThat(parameter.version()).isEqualTo(1L);
    }
    assertThat(emulator.calls("GetParameter")).isEqualTo(6);
  }

  @Test
  void putParameterOverwritesAndBumpsTheVersion() {
    emulator.putParameter("/custom/ami", "ami-0aaaaaaaaaaaaaaaa");
    emulator.putParameter("/custom/ami", "ami-0bbbbbbbbbbbbbbbb");

    Parameter parameter = ssm.getParameter(r -> r.name("/custom/ami")).parameter();

    assertThat(parameter.value()).isEqualTo("ami-0bbbbbbbbbbbbbbbb");
    assertThat(parameter.version()).isEqualTo(2L);
  }

  @Test
  void putParameterOverTheWireOverwritesWithANewVersionAndModificationDate() {
    String name = Ec2Emulator.eksAmiParameter("1.33");
    Parameter before = ssm.getParameter(r -> r.name(name)).parameter();
    EmulatedImage next = emulator.addImage("node-next", "x86_64", java.util.Map.of());
    clock.advance(Duration.ofMinutes(1));

    long version =
        ssm.putParameter(r -> r.name(name).value(next.id()).type("String").overwrite(true))
            .version();

    Parameter after = ssm.getParameter(r -> r.name(name)).parameter();
    assertThat(version).isEqualTo(2L);
    assertThat(after.value()).isEqualTo(next.id());
    assertThat(after.version()).isEqualTo(2L);
    assertThat(after.lastModifiedDate())
        .isEqualTo(before.lastModifiedDate().plus(Duration.ofMinutes(1)));
    assertThat(emulator.calls("PutParameter")).isEqualTo(1);
  }

  @Test
  void putParameterWithoutOverwriteOnAnExistingOneIsParameterAlreadyExists() {
    String name = Ec2Emulator.eksAmiParameter("1.33");

    SsmException error =
        catchThrowableOfType(
            SsmException.class,
            () -> ssm.putParameter(r -> r.name(name).value("ami-0other").type("String")));

    assertThat(error.awsErrorDetails().errorCode()).isEqualTo("ParameterAlreadyExists");
    assertThat(ssm.getParameter(r -> r.name(name)).parameter().value())
        .isEqualTo(cluster.imageId());
  }

  @Test
  void publishImageRegistersTheAmiAndPointsTheParameterAtIt() {
    String name = Ec2Emulator.eksAmiParameter("1.33");

    EmulatedImage published = emulator.publishImage(name, "amazon-eks-node-1.33-v2");

    assertThat(ssm.getParameter(r -> r.name(name)).parameter().value()).isEqualTo(published.id());
    try (var ec2 = SdkClients.ec2(emulator)) {
      assertThat(ec2.describeImages(r -> r.imageIds(published.id())).images())
          .extracting(i -> i.imageId())
          .containsExactly(published.id());
    }
  }

  @Test
  void unknownParameterIsParameterNotFound() {
    ParameterNotFoundException error =
        catchThrowableOfType(
            ParameterNotFoundException.class,
            () -> ssm.getParameter(r -> r.name("/aws/service/eks/optimized-ami/1.29/nope")));

    assertThat(error.statusCode()).isEqualTo(400);
    assertThat(error.awsErrorDetails().errorCode()).isEqualTo("ParameterNotFound");
  }

  @Test
  void throttledSsmCallsAreThrottlingExceptions() {
    emulator.throttle("GetParameter", 1);
    SsmClient noRetries =
        SsmClient.builder()
            .endpointOverride(emulator.endpoint())
            .region(software.amazon.awssdk.regions.Region.US_EAST_1)
            .credentialsProvider(
                () -> software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("a", "b"))
            .httpClientBuilder(software.amazon.awssdk.http.apache5.Apache5HttpClient.builder())
            .overrideConfiguration(o -> o.retryStrategy(b -> b.maxAttempts(1)))
            .build();

    SsmException error =
        catchThrowableOfType(
            SsmException.class,
            () -> noRetries.getParameter(r -> r.name(Ec2Emulator.eksAmiParameter("1.33"))));

    assertThat(error.isThrottlingException()).isTrue();
    assertThat(error.awsErrorDetails().errorCode()).isEqualTo("ThrottlingException");
    noRetries.close();
  }
}
