package io.nestedvirt.operator.instance;

import io.nestedvirt.operator.cloud.CloudProvider;
import io.nestedvirt.operator.cloud.Instance;
import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.operator.cloud.InstanceType;
import io.nestedvirt.operator.cloud.LaunchRequest;
import io.nestedvirt.operator.cloud.ResourceSelector;
import io.nestedvirt.operator.cloud.Subnet;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A cloud that lists what a test puts in it and records terminations; nothing else. */
final class FakeCloud implements CloudProvider {
  final List<Instance> listed = new ArrayList<>();
  final List<String> terminated = new ArrayList<>();

  /** Launches answered with one pending instance; off unless a test turns it on. */
  final List<LaunchRequest> launches = new ArrayList<>();

  boolean launching;

  /** Thrown by the next launches instead of launching, when set. */
  RuntimeException launchFailure;

  /** What resolveImage answers, whatever the reference. */
  String imageId = "ami-00000000";

  /**
   * A pending instance, whose description (as some EC2-compatible endpoints do) does not say its
   * AMI.
   */
  @Override
  public List<Instance> launch(LaunchRequest request) {
    if (!launching) {
      throw new UnsupportedOperationException("no launches in this test");
    }
    if (launchFailure != null) {
      throw launchFailure;
    }
    launches.add(request);
    return List.of(
        new Instance(
            "i-" + launches.size(),
            request.instanceType(),
            "us-east-1a",
            request.subnetId(),
            InstanceState.PENDING,
            io.nestedvirt.operator.cloud.NestedVirtualization.ENABLED,
            null,
            io.nestedvirt.operator.cloud.CapacityType.ON_DEMAND,
            null,
            request.clientToken(),
            Map.of(),
            null));
  }

  @Override
  public List<io.nestedvirt.operator.cloud.ScheduledEvent> scheduledEvents() {
    return List.of();
  }

  @Override
  public io.nestedvirt.operator.cloud.NoticeQueue noticeQueue(String name) {
    throw new UnsupportedOperationException("no queue in FakeCloud");
  }

  @Override
  public List<Instance> findByClientToken(String clientToken) {
    return listed.stream().filter(i -> clientToken.equals(i.clientToken())).toList();
  }

  @Override
  public List<Instance> listClusterInstances() {
    return List.copyOf(listed);
  }

  @Override
  public Map<String, InstanceState> terminate(Collection<String> instanceIds) {
    terminated.addAll(instanceIds);
    Map<String, InstanceState> states = new LinkedHashMap<>();
    instanceIds.forEach(id -> states.put(id, InstanceState.SHUTTING_DOWN));
    return states;
  }

  @Override
  public Map<String, InstanceType> describeInstanceTypes(Collection<String> names) {
    return Map.of();
  }

  @Override
  public List<InstanceType> capableInstanceTypes() {
    return List.of();
  }

  @Override
  public io.nestedvirt.operator.cloud.ZoneOfferings zoneOfferings() {
    return io.nestedvirt.operator.cloud.ZoneOfferings.UNKNOWN;
  }

  @Override
  public List<Subnet> resolveSubnets(ResourceSelector selector) {
    return launching ? List.of(new Subnet("subnet-1", "us-east-1a", 100)) : List.of();
  }

  @Override
  public List<String> resolveSecurityGroups(ResourceSelector selector) {
    return launching ? List.of("sg-1") : List.of();
  }

  @Override
  public String resolveImage(String image, String kubernetesVersion) {
    return imageId;
  }

  @Override
  public String defaultImage(String kubernetesVersion) {
    return "/default/" + kubernetesVersion;
  }
}
