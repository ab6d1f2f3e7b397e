package io.nestedvirt.operator.agent.kvm;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The verdict of one {@link KvmProbe#run} and everything it learned on the way; fields it did not
 * get to are empty ({@code apiVersion} 0, no capabilities, {@code guestByte} null).
 *
 * @param ok the test VM wrote {@code 0x2a} to port {@code 0x10} and halted
 * @param failure why not, or null when {@code ok}
 * @param message one line for a cluster admin: on failure what is wrong and what to do
 * @param device the device probed
 * @param apiVersion {@code KVM_GET_API_VERSION}, 0 if not read
 * @param capabilities {@code KVM_CHECK_EXTENSION} results by capability name, in probe order
 * @param cpuFlag {@code vmx}, {@code svm} or {@code none} (see {@link HostVirtualization})
 * @param kvmModules KVM kernel modules present, sorted
 * @param guestByte the byte the guest wrote to port {@code 0x10}, null if it wrote none
 * @param halted the guest reached its {@code hlt}
 * @param elapsed from opening the device to the last descriptor closed
 */
public record ProbeResult(
    boolean ok,
    Failure failure,
    String message,
    String device,
    int apiVersion,
    Map<String, Integer> capabilities,
    String cpuFlag,
    List<String> kvmModules,
    Integer guestByte,
    boolean halted,
    Duration elapsed) {

  /** The condition reason when {@code ok}. */
  public static final String VERIFIED_REASON = "KvmVerified";

  /** Why a probe failed, in the order the probe can meet them. */
  public enum Failure {
    /** Not Linux on x86-64: the ioctl numbers and struct layouts here would be wrong. */
    UNSUPPORTED_PLATFORM,
    /** The JVM refused native access (run with {@code --enable-native-access=ALL-UNNAMED}). */
    NATIVE_ACCESS_DENIED,
    /** The device node does not exist (ENOENT). */
    DEVICE_MISSING,
    /** The process may not open the device (EACCES, or EPERM from a device cgroup). */
    PERMISSION_DENIED,
    /** The node exists but opening it failed otherwise, e.g. no driver behind it (ENXIO). */
    DEVICE_UNUSABLE,
    /** The file does not answer KVM_GET_API_VERSION (ENOTTY, EINVAL) or is a directory. */
    NOT_A_KVM_DEVICE,
    /** KVM_GET_API_VERSION answered something other than 12. */
    API_VERSION_MISMATCH,
    /** A required capability (KVM_CAP_USER_MEMORY) is absent. */
    CAPABILITY_MISSING,
    /** KVM_CREATE_VM failed. */
    VM_CREATE_FAILED,
    /** Guest memory could not be mapped or registered. */
    MEMORY_SETUP_FAILED,
    /** KVM_CREATE_VCPU failed. */
    VCPU_CREATE_FAILED,
    /** The vCPU's run area, registers or segment registers could not be set up. */
    VCPU_SETUP_FAILED,
    /** KVM_RUN itself returned an error (other than EINTR, which is retried). */
    RUN_FAILED,
    /** The guest stopped for a reason a working hypervisor does not give it (FAIL_ENTRY, ...). */
    UNEXPECTED_EXIT,
    /** The guest's port write was not {@code 0x2a} to port {@code 0x10}. */
    GUEST_OUTPUT_WRONG,
    /** The guest did not reach its {@code hlt} within the probe's bound on runs. */
    GUEST_DID_NOT_HALT;

    /** CamelCase for a Kubernetes condition reason, e.g. {@code DeviceMissing}. */
    public String reason() {
      StringBuilder sb = new StringBuilder();
      for (String word : name().split("_")) {
        sb.append(word.charAt(0)).append(word.substring(1).toLowerCase(Locale.ROOT));
      }
      return sb.toString();
    }
  }

  public ProbeResult {
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(elapsed, "elapsed");
    if (ok != (failure == null)) {
      throw new IllegalArgumentException("failure must be null exactly when ok: " + failure);
    }
    capabilities = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(capabilities));
    kvmModules = List.copyOf(kvmModules);
  }

  /** {@link #VERIFIED_REASON} when ok, else the failure's CamelCase reason. */
  public String reason() {
    return ok ? VERIFIED_REASON : failure.reason();
  }

  /** The module driving KVM here, e.g. {@code kvm_intel} or {@code kvm_pvm}. */
  public String backend() {
    return new HostVirtualization(cpuFlag, kvmModules).backend();
  }

  /** One JSON object with every field; {@code elapsed} as {@code elapsedMillis}. */
  public String toJson() {
    StringBuilder json = new StringBuilder("{");
    json.append("\"ok\":").append(ok);
    json.append(",\"failure\":").append(failure == null ? "null" : quote(failure.name()));
    json.append(",\"reason\":").append(quote(reason()));
    json.append(",\"message\":").append(quote(message));
    json.append(",\"device\":").append(quote(device));
    json.append(",\"apiVersion\":").append(apiVersion);
    json.append(",\"capabilities\":{");
    String sep = "";
    for (Map.Entry<String, Integer> cap : capabilities.entrySet()) {
      json.append(sep).append(quote(cap.getKey())).append(':').append(cap.getValue());
      sep = ",";
    }
    json.append("},\"cpuFlag\":").append(quote(cpuFlag));
    json.append(",\"kvmModules\":[");
    sep = "";
    for (String module : kvmModules) {
      json.append(sep).append(quote(module));
      sep = ",";
    }
    json.append("],\"backend\":").append(quote(backend()));
    json.append(",\"guestByte\":").append(guestByte);
    json.append(",\"halted\":").append(halted);
    json.append(",\"elapsedMillis\":")
        .append(String.format(Locale.ROOT, "%.3f", elapsed.toNanos() / 1e6));
    return json.append('}').toString();
  }

  private static String quote(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder q = new StringBuilder(s.length() + 2).append('"');
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> q.append("\\\"");
        case '\\' -> q.append("\\\\");
        case '\n' -> q.append("\\n");
        case '\r' -> q.append("\\r");
        case '\t' -> q.append("\\t");
        default -> {
          if (c < 0x20) {
            q.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            q.append(c);
          }
        }
      }
    }
    return q.append('"').toString();
  }
}
