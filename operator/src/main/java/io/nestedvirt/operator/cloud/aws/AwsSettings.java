package io.nestedvirt.operator.cloud.aws;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * How to reach AWS for one cluster. Free of SDK types so that callers outside this package can
 * build it.
 *
 * @param clusterName the Kubernetes cluster name; instances are tagged and found by it
 * @param region the AWS region, for example {@code us-east-1}
 * @param endpointOverride null for the real AWS endpoints; set for an emulator (EC2 and SSM)
 * @param staticCredentials null for the SDK's default credential chain (IRSA, Pod Identity,
 *     instance profile, environment); set only for tests against an emulator
 * @param maxAttempts attempts per call including the first, under the SDK's STANDARD retry mode
 * @param instanceTypeCacheTtl how long the instance type catalog is reused before re-reading it
 */
public record AwsSettings(
    String clusterName,
    String region,
    URI endpointOverride,
    StaticCredentials staticCredentials,
    int maxAttempts,
    Duration instanceTypeCacheTtl) {

  /** STANDARD mode's own default: enough for a burst of throttling, short enough to fail fast. */
  public static final int DEFAULT_MAX_ATTEMPTS = 3;

  /** Instance types change a few times a year; an hour keeps DescribeInstanceTypes negligible. */
  public static final Duration DEFAULT_INSTANCE_TYPE_CACHE_TTL = Duration.ofHours(1);

  public AwsSettings {
    Objects.requireNonNull(clusterName, "clusterName");
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(instanceTypeCacheTtl, "instanceTypeCacheTtl");
    if (clusterName.isBlank()) {
      throw new IllegalArgumentException("clusterName must not be blank");
    }
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
    }
  }

  /** Production defaults: real endpoints, default credential chain. */
  public static AwsSettings of(String clusterName, String region) {
    return new AwsSettings(
        clusterName, region, null, null, DEFAULT_MAX_ATTEMPTS, DEFAULT_INSTANCE_TYPE_CACHE_TTL);
  }

  public AwsSettings withEndpointOverride(URI endpoint) {
    return new AwsSettings(
        clusterName, region, endpoint, staticCredentials, maxAttempts, instanceTypeCacheTtl);
  }

  public AwsSettings withStaticCredentials(String accessKeyId, String secretAccessKey) {
    return new AwsSettings(
        clusterName,
        region,
        endpointOverride,
        new StaticCredentials(accessKeyId, secretAccessKey),
        maxAttempts,
        instanceTypeCacheTtl);
  }

  public AwsSettings withMaxAttempts(int attempts) {
    return new AwsSettings(
        clusterName, region, endpointOverride, staticCredentials, attempts, instanceTypeCacheTtl);
  }

  public AwsSettings withInstanceTypeCacheTtl(Duration ttl) {
    return new AwsSettings(
        clusterName, region, endpointOverride, staticCredentials, maxAttempts, ttl);
  }

  /** An access key pair; {@link #toString()} never prints the secret. */
  public record StaticCredentials(String accessKeyId, String secretAccessKey) {
    public StaticCredentials {
      Objects.requireNonNull(accessKeyId, "accessKeyId");
      Objects.requireNonNull(secretAccessKey, "secretAccessKey");
    }

    @Override
    public String toString() {
      return "StaticCredentials[accessKeyId=" + accessKeyId + ", secretAccessKey=***]";
    }
  }
}
