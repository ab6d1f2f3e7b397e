package io.nestedvirt.sandbox.kubelet;

import io.nestedvirt.operator.cloud.InstanceState;
import io.nestedvirt.sandbox.ec2.EmulatedInstance;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the kubelet simulator needs to know about one EC2 instance, from whatever EC2 source reports
 * it (the in-process emulator, a poller over another EC2 endpoint).
 *
 * @param id the instance id, {@code i-...}
 * @param zone the availability zone, e.g. {@code us-east-1a}
 * @param privateDnsName e.g. {@code ip-10-0-1-23.ec2.internal}; becomes the Node name (EKS names
 *     nodes so); may be null or empty, then a name is derived from the private IP
 * @param privateIp the primary private IPv4 address
 * @param instanceType e.g. {@code m8i.2xlarge}
 * @param architecture as EC2 reports it: {@code x86_64} or {@code arm64}
 * @param state the instance's state now
 * @param userData the user data as the instance sees it (not base64), or null
 * @param nestedVirtualization whether the instance runs with nested virtualization enabled
 * @param vcpus vCPUs of the instance (cores times threads per core), or 0 when unknown
 * @param tags the instance's tags (lets tests pick instances, e.g. by pool)
 */
public record SimulatedInstance(
    String id,
    String zone,
    String privateDnsName,
    String privateIp,
    String instanceType,
    String architecture,
    InstanceState state,
    String userData,
    boolean nestedVirtualization,
    int vcpus,
    Map<String, String> tags) {

  public SimulatedInstance {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(state, "state");
    tags = tags == null ? Map.of() : Map.copyOf(tags);
  }

  /** The emulator's snapshot of an instance, as the simulator sees it. */
  public static SimulatedInstance of(EmulatedInstance instance) {
    EmulatedInstance.CpuOptions cpu = instance.cpuOptions();
    return new SimulatedInstance(
        instance.id(),
        instance.zone(),
        instance.privateDnsName(),
        instance.privateIpAddress(),
        instance.instanceType(),
        instance.architecture(),
        instance.state(),
        instance.userData(),
        cpu != null && cpu.nestedVirtualization(),
        cpu == null ? 0 : cpu.coreCount() * cpu.threadsPerCore(),
        instance.tags());
  }

  /** The same instance in another state. */
  public SimulatedInstance withState(InstanceState newState) {
    return new SimulatedInstance(
        id,
        zone,
        privateDnsName,
        privateIp,
        instanceType,
        architecture,
        newState,
        userData,
        nestedVirtualization,
        vcpus,
        tags);
  }

  /**
   * The name the Node registers under: the private DNS name, as on EKS; without one, the name EC2
   * would give the private IP ({@code ip-a-b-c-d.ec2.internal} in us-east-1, {@code
   * ip-a-b-c-d.<region>.compute.internal} elsewhere); without either, the instance id.
   */
  public String nodeName() {
    if (privateDnsName != null && !privateDnsName.isBlank()) {
      return privateDnsName;
    }
    if (privateIp != null && !privateIp.isBlank()) {
      String region = region();
      String domain =
          region == null || region.equals("us-east-1")
              ? "ec2.internal"
              : region + ".compute.internal";
      return "ip-" + privateIp.replace('.', '-') + "." + domain;
    }
    return id;
  }

  /** {@code aws:///<zone>/<instance-id>}, the providerID of an EC2 node. */
  public String providerId() {
    return "aws:///" + (zone == null ? "" : zone) + "/" + id;
  }

  /**
   * The region of {@link #zone}: {@code us-east-1a} gives {@code us-east-1}; local and wavelength
   * zones ({@code us-east-1-bos-1a}) give their parent region. Null without a zone.
   */
  public String region() {
    if (zone == null || zone.isBlank()) {
      return null;
    }
    Matcher m = REGION.matcher(zone);
    return m.lookingAt() ? m.group(1) : zone.substring(0, zone.length() - 1);
  }

  private static final Pattern REGION = Pattern.compile("([a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\\d+)");
}
