package io.nestedvirt.operator.launch;

import io.nestedvirt.operator.cloud.Subnet;
import java.util.List;

/** A pool's spec resolved against the cloud: real subnets, security groups and an AMI id. */
public record LaunchConfig(
    List<Subnet> subnets, List<String> securityGroupIds, String imageId, UserData userData) {
  public LaunchConfig {
    subnets = List.copyOf(subnets);
    securityGroupIds = List.copyOf(securityGroupIds);
  }

  /** The same config with the AMI the pool's image resolves to now. */
  public LaunchConfig withImage(String resolved) {
    return new LaunchConfig(subnets, securityGroupIds, resolved, userData);
  }

  /**
   * The same config with the pool's user data (it differs per pool, and for kubeadm per instance).
   */
  public LaunchConfig withUserData(UserData rendered) {
    return new LaunchConfig(subnets, securityGroupIds, imageId, rendered);
  }
}
