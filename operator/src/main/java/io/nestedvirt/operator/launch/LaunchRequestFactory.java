package io.nestedvirt.operator.launch;

import io.nestedvirt.operator.api.v1alpha1.CpuOptionsSpec;
import io.nestedvirt.operator.api.v1alpha1.MetadataOptionsSpec;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPoolSpec;
import io.nestedvirt.operator.api.v1alpha1.RootVolumeSpec;
import io.nestedvirt.operator.cloud.CapacityType;
import io.nestedvirt.operator.cloud.LaunchRequest;
import io.nestedvirt.operator.cloud.Tags;
import java.util.LinkedHashMap;
import java.util.Map;

/** Turns a pool's spec and one machine's decided offering into the cloud's launch request. Pure. */
public final class LaunchRequestFactory {
  private final String clusterName;

  public LaunchRequestFactory(String clusterName) {
    this.clusterName = clusterName;
  }

  /**
   * One instance of {@code instanceType} in {@code subnetId}, under the machine's client token.
   *
   * @param userData the instance's own user data text (see {@link UserData#text})
   */
  public LaunchRequest build(
      NestedVirtPool pool,
      LaunchConfig config,
      String userData,
      String clientToken,
      String instanceType,
      String subnetId,
      io.nestedvirt.operator.api.v1alpha1.CapacityType capacityType) {
    NestedVirtPoolSpec spec = pool.getSpec();
    RootVolumeSpec volume = spec.rootVolume != null ? spec.rootVolume : new RootVolumeSpec();
    MetadataOptionsSpec imds =
        spec.metadataOptions != null ? spec.metadataOptions : new MetadataOptionsSpec();
    CpuOptionsSpec cpu = spec.cpuOptions != null ? spec.cpuOptions : new CpuOptionsSpec();
    return new LaunchRequest(
        clientToken,
        1,
        instanceType,
        subnetId,
        config.imageId(),
        config.securityGroupIds(),
        spec.instanceProfile,
        new LaunchRequest.RootVolume(
            volume.sizeGiB == null ? 50 : volume.sizeGiB,
            (volume.type == null ? RootVolumeSpec.VolumeType.gp3 : volume.type).name(),
            volume.encrypted == null || volume.encrypted,
            volume.kmsKeyId),
        new LaunchRequest.MetadataOptions(
            imds.httpTokens != MetadataOptionsSpec.HttpTokens.OPTIONAL,
            imds.httpPutResponseHopLimit == null ? 1 : imds.httpPutResponseHopLimit,
            imds.httpEndpoint != MetadataOptionsSpec.HttpEndpoint.DISABLED),
        cpu.coreCount,
        cpu.threadsPerCore,
        capacityType == io.nestedvirt.operator.api.v1alpha1.CapacityType.SPOT
            ? CapacityType.SPOT
            : CapacityType.ON_DEMAND,
        userData,
        tags(pool));
  }

  /** The user's tags, then ours, so ours win (the CRD also refuses user tags with our keys). */
  Map<String, String> tags(NestedVirtPool pool) {
    Map<String, String> tags = new LinkedHashMap<>();
    if (pool.getSpec().tags != null) {
      tags.putAll(pool.getSpec().tags);
    }
    tags.put(Tags.CLUSTER, clusterName);
    tags.put(Tags.POOL, pool.name());
    tags.put(Tags.POOL_UID, pool.uid());
    tags.put(Tags.kubernetesCluster(clusterName), "owned");
    tags.put(Tags.NAME, clusterName + "/" + pool.name());
    return tags;
  }
}
