package io.nestedvirt.operator.agent.kvm;

import static org.assertj.core.api.Assertions.assertThat;

import io.nestedvirt.operator.agent.kvm.KvmProbe.ProbeFailure;
import io.nestedvirt.operator.agent.kvm.ProbeResult.Failure;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the probe says when a machine cannot run VMs, and the errno behind each verdict. */
class KvmProbeFailureTest {
  @TempDir Path tmp;

  @Test
  void aMissingDeviceMeansNestedVirtualizationIsOff() {
    Path missing = tmp.resolve("kvm");

    ProbeResult result = KvmProbe.run(missing);

    assertThat(result.ok()).isFalse();
    assertThat(result.failure()).isEqualTo(Failure.DEVICE_MISSING);
    assertThat(result.reason()).isEqualTo("DeviceMissing");
    assertThat(result.message())
        .isEqualTo(
            missing
                + " does not exist: the instance runs without nested virtualization (launch it"
                + " with CpuOptions NestedVirtualization=enabled)");
    assertThat(result.apiVersion()).isZero();
    assertThat(result.capabilities()).isEmpty();
    assertThat(result.guestByte()).isNull();
    assertThat(result.halted()).isFalse();
  }

  @Test
  void devNullIsNotAKvmDeviceBecauseItAnswersEnotty() {
    ProbeResult result = KvmProbe.run(Path.of("/dev/null"));

    assertThat(result.failure()).isEqualTo(Failure.NOT_A_KVM_DEVICE);
    assertThat(result.message())
        .isEqualTo("/dev/null is not a KVM device (ioctl KVM_GET_API_VERSION: ENOTTY)");
    assertThat(result.apiVersion()).isZero();
    assertThat(result.halted()).isFalse();
  }

  @Test
  void aDirectoryIsNotAKvmDevice() {
    ProbeResult result = KvmProbe.run(tmp);

    assertThat(result.failure()).isEqualTo(Failure.NOT_A_KVM_DEVICE);
    assertThat(result.message()).isEqualTo(tmp + " is not a KVM device (open: EISDIR)");
  }

  @Test
  void aFailedProbeStillReportsTheBackend() {
    ProbeResult result = KvmProbe.run(tmp.resolve("kvm"));

    assertThat(result.cpuFlag()).isEqualTo(HostVirtualization.read().cpuFlag());
    assertThat(result.kvmModules()).isEqualTo(HostVirtualization.read().kvmModules());
  }

  @Test
  void openErrnoMapsToTheFailureAnAdminCanActOn() {
    Path kvm = Path.of("/dev/kvm");

    assertThat(KvmProbe.openFailure(kvm, Errno.ENOENT).failure()).isEqualTo(Failure.DEVICE_MISSING);
    assertThat(KvmProbe.openFailure(kvm, Errno.EACCES).failure())
        .isEqualTo(Failure.PERMISSION_DENIED);
    assertThat(KvmProbe.openFailure(kvm, Errno.EPERM).failure())
        .isEqualTo(Failure.PERMISSION_DENIED);
    assertThat(KvmProbe.openFailure(kvm, Errno.EISDIR).failure())
        .isEqualTo(Failure.NOT_A_KVM_DEVICE);
    assertThat(KvmProbe.openFailure(kvm, Errno.ENOTDIR).failure())
        .isEqualTo(Failure.NOT_A_KVM_DEVICE);
    assertThat(KvmProbe.openFailure(kvm, Errno.ENXIO).failure()).isEqualTo(Failure.DEVICE_UNUSABLE);
    assertThat(KvmProbe.openFailure(kvm, Errno.ENODEV).failure())
        .isEqualTo(Failure.DEVICE_UNUSABLE);
    assertThat(KvmProbe.openFailure(kvm, Errno.EBUSY).failure()).isEqualTo(Failure.DEVICE_UNUSABLE);
  }

  @Test
  void openFailureMessagesSayWhatToDo() {
    Path kvm = Path.of("/dev/kvm");

    assertThat(KvmProbe.openFailure(kvm, Errno.ENOENT).getMessage())
        .isEqualTo(
            "/dev/kvm does not exist: the instance runs without nested virtualization (launch"
                + " it with CpuOptions NestedVirtualization=enabled)");
    assertThat(KvmProbe.openFailure(kvm, Errno.EACCES).getMessage())
        .isEqualTo("permission denied opening /dev/kvm: run the agent with access to the device");
    assertThat(KvmProbe.openFailure(kvm, Errno.EPERM).getMessage())
        .isEqualTo(
            "operation not permitted opening /dev/kvm (EPERM, a device cgroup denies it): run"
                + " the agent with access to the device");
    assertThat(KvmProbe.openFailure(kvm, Errno.ENXIO).getMessage())
        .isEqualTo(
            "/dev/kvm exists but no KVM driver answers it (open: ENXIO): the kvm kernel module"
                + " for this CPU is not loaded");
    assertThat(KvmProbe.openFailure(kvm, 123).getMessage())
        .isEqualTo("cannot open /dev/kvm (open: errno 123)");
  }

  @Test
  void anyErrorFromGetApiVersionMeansNotAKvmDevice() {
    ProbeFailure enotty = KvmProbe.apiVersionFailure(Path.of("/dev/null"), Errno.ENOTTY);
    ProbeFailure einval = KvmProbe.apiVersionFailure(Path.of("/dev/sda"), Errno.EINVAL);

    assertThat(enotty.failure()).isEqualTo(Failure.NOT_A_KVM_DEVICE);
    assertThat(einval.failure()).isEqualTo(Failure.NOT_A_KVM_DEVICE);
    assertThat(einval.getMessage())
        .isEqualTo("/dev/sda is not a KVM device (ioctl KVM_GET_API_VERSION: EINVAL)");
  }

  @Test
  void everyFailureHasACamelCaseConditionReason() {
    assertThat(Failure.DEVICE_MISSING.reason()).isEqualTo("DeviceMissing");
    assertThat(Failure.NOT_A_KVM_DEVICE.reason()).isEqualTo("NotAKvmDevice");
    assertThat(Failure.GUEST_DID_NOT_HALT.reason()).isEqualTo("GuestDidNotHalt");
    for (Failure failure : Failure.values()) {
      assertThat(failure.reason()).matches("[A-Z][A-Za-z]*");
    }
  }
}
