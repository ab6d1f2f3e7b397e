package io.nestedvirt.operator.cloud;

/** Tag keys the operator writes on every instance and volume it launches (DESIGN.md). */
public final class Tags {
  public static final String CLUSTER = "nestedvirt.io/cluster";
  public static final String POOL = "nestedvirt.io/pool";
  public static final String POOL_UID = "nestedvirt.io/pool-uid";
  public static final String NAME = "Name";

  private Tags() {}

  /**
   * {@code kubernetes.io/cluster/<cluster>}: the key EKS tooling uses to mark cluster resources.
   */
  public static String kubernetesCluster(String cluster) {
    return "kubernetes.io/cluster/" + cluster;
  }
}
