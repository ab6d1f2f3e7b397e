package io.nestedvirt.operator.pool;

import io.nestedvirt.operator.cloud.Subnet;
import java.util.List;

/** A pool's spec resolved against the cloud: real subnets, security groups and an AMI id. */
public record LaunchConfig(List<Subnet> subnets, List<String> securityGroupIds, String imageId) {
  public LaunchConfig {
    subnets = List.copyOf(subnets);
    securityGroupIds = List.copyOf(securityGroupIds);
  }
}
