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

  @Override
  public List<Instance> launch(LaunchRequest request) {
    throw new UnsupportedOperationException("no launches in this test");
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
    return List.of();
  }

  @Override
  public List<String> resolveSecurityGroups(ResourceSelector selector) {
    return List.of();
  }

  @Override
  public String resolveImage(String image, String kubernetesVersion) {
    return "ami-00000000";
  }

  @Override
  public String defaultImage(String kubernetesVersion) {
    return "/default/" + kubernetesVersion;
  }
}
