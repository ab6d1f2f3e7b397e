package io.nestedvirt.operator.cloud.aws;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.internal.WebIdentityCredentialsUtils;

/**
 * The chart offers IRSA (a role-arn annotation on the ServiceAccount); the SDK's default chain
 * serves it only when STS's web identity factory is on the class path, and otherwise skips it with
 * a debug message and fails later without credentials.
 */
class AwsCredentialsChainTest {
  @Test
  void theWebIdentityProviderOfIrsaIsAvailable() {
    assertThat(WebIdentityCredentialsUtils.factory())
        .as("software.amazon.awssdk:sts must be a dependency for IRSA")
        .isNotNull();
  }
}
