package io.nestedvirt.operator.e2e;

import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.sandbox.kubelet.InstanceTypeShape;
import io.nestedvirt.sandbox.kubelet.KubeletSimulator;
import io.nestedvirt.sandbox.kubelet.SimulatedInstance;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceAttributeName;
import software.amazon.awssdk.services.ec2.model.Reservation;
import software.amazon.awssdk.services.ec2.model.Tag;

/**
 * There are no kubelets in this tier: this plays them for moto's instances, by polling moto and
 * feeding the sandbox's kubelet simulator, which registers Nodes in the real API server from each
 * instance's user data (as a kubelet would) and reports the NestedVirtualizationReady condition
 * (simulated: no KVM probe runs here). Nested virtualization is taken as enabled because moto does
 * not report it (e2e/README.md). The kubelets size their nodes (vCPUs, memory, EKS max pods) from
 * moto's DescribeInstanceTypes, which is where the operator reads the types too.
 */
final class MotoKubelets implements AutoCloseable {
  private final Ec2Client ec2;
  private final KubeletSimulator simulator;
  private final ScheduledExecutorService poller =
      Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().daemon().name("moto-kubelets").unstarted(r));
  private final Map<String, String> userData = new HashMap<>();
  private final Map<String, Optional<InstanceTypeShape>> shapes = new ConcurrentHashMap<>();

  MotoKubelets(Ec2Client ec2, KubeletSimulator simulator) {
    this.ec2 = ec2;
    this.simulator = simulator;
    simulator.describeInstanceTypesWith(type -> shapes.computeIfAbsent(type, this::describe));
    poller.scheduleWithFixedDelay(this::poll, 0, 300, TimeUnit.MILLISECONDS);
  }

  KubeletSimulator simulator() {
    return simulator;
  }

  private void poll() {
    try {
      for (Reservation r : ec2.describeInstances().reservations()) {
        for (Instance i : r.instances()) {
          simulator.observe(toSimulated(i));
        }
      }
    } catch (RuntimeException e) {
      // moto restarting or the stack stopping: the next poll tries again.
    }
  }

  private SimulatedInstance toSimulated(Instance i) {
    Map<String, String> tags = new HashMap<>();
    for (Tag t : i.tags()) {
      tags.put(t.key(), t.value());
    }
    return new SimulatedInstance(
        i.instanceId(),
        i.placement().availabilityZone(),
        i.privateDnsName(),
        i.privateIpAddress(),
        i.instanceTypeAsString(),
        i.architectureAsString(),
        InstanceState.fromWireName(i.state().nameAsString()),
        userData.computeIfAbsent(i.instanceId(), this::userData),
        true,
        0,
        tags);
  }

  /** What moto's DescribeInstanceTypes says of the type; empty if it does not know it. */
  private Optional<InstanceTypeShape> describe(String type) {
    try {
      return ec2
          .describeInstanceTypes(r -> r.instanceTypesWithStrings(type))
          .instanceTypes()
          .stream()
          .findFirst()
          .map(
              t ->
                  new InstanceTypeShape(
                      t.vCpuInfo().defaultVCpus(),
                      t.memoryInfo().sizeInMiB(),
                      t.networkInfo() == null || t.networkInfo().maximumNetworkInterfaces() == null
                          ? 0
                          : t.networkInfo().maximumNetworkInterfaces(),
                      t.networkInfo() == null || t.networkInfo().ipv4AddressesPerInterface() == null
                          ? 0
                          : t.networkInfo().ipv4AddressesPerInterface()));
    } catch (Ec2Exception unknown) {
      return Optional.empty();
    }
  }

  private String userData(String instanceId) {
    String encoded =
        ec2.describeInstanceAttribute(
                r -> r.instanceId(instanceId).attribute(InstanceAttributeName.USER_DATA))
            .userData()
            .value();
    return encoded == null
        ? null
        : new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    poller.shutdownNow();
    simulator.close();
  }
}
