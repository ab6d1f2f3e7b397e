package io.nestedvirt.operator.agent.kvm;

/**
 * The slice of the Linux KVM ABI (x86-64, {@code <linux/kvm.h>}) the probe uses: ioctl numbers,
 * capability numbers, exit reasons and struct offsets.
 */
final class KvmAbi {
  /** The only API version Linux has shipped since 2.6.22; anything else is not our KVM. */
  static final int API_VERSION = 12;

  /** An ioctl request with the name it has in the kernel headers, for messages. */
  enum Ioctl {
    KVM_GET_API_VERSION(0xAE00L),
    KVM_CREATE_VM(0xAE01L),
    KVM_CHECK_EXTENSION(0xAE03L),
    KVM_GET_VCPU_MMAP_SIZE(0xAE04L),
    KVM_CREATE_VCPU(0xAE41L),
    KVM_SET_USER_MEMORY_REGION(0x4020AE46L),
    KVM_RUN(0xAE80L),
    KVM_SET_REGS(0x4090AE82L),
    KVM_GET_SREGS(0x8138AE83L),
    KVM_SET_SREGS(0x4138AE84L);

    private final long number;

    Ioctl(long number) {
      this.number = number;
    }

    long number() {
      return number;
    }
  }

  /** Capabilities the probe reports, in report order; only USER_MEMORY is required. */
  enum Capability {
    KVM_CAP_USER_MEMORY(3),
    KVM_CAP_IRQCHIP(0),
    KVM_CAP_NR_VCPUS(9),
    KVM_CAP_MAX_VCPUS(66),
    KVM_CAP_NR_MEMSLOTS(10),
    KVM_CAP_IMMEDIATE_EXIT(136);

    private final int number;

    Capability(int number) {
      this.number = number;
    }

    int number() {
      return number;
    }
  }

  static final int EXIT_IO = 2;
  static final int EXIT_HLT = 5;
  static final int EXIT_SHUTDOWN = 8;
  static final int EXIT_FAIL_ENTRY = 9;
  static final int EXIT_INTR = 10;
  static final int EXIT_INTERNAL_ERROR = 17;
  static final int EXIT_IO_OUT = 1;

  /** struct kvm_userspace_memory_region. */
  static final long REGION_SIZE = 32;

  static final long REGION_SLOT = 0;
  static final long REGION_FLAGS = 4;
  static final long REGION_GUEST_PHYS_ADDR = 8;
  static final long REGION_MEMORY_SIZE = 16;
  static final long REGION_USERSPACE_ADDR = 24;

  /** struct kvm_regs. */
  static final long REGS_SIZE = 144;

  static final long REGS_RIP = 128;
  static final long REGS_RFLAGS = 136;

  /** struct kvm_sregs; its first member is the cs struct kvm_segment. */
  static final long SREGS_SIZE = 312;

  static final long SREGS_CS_BASE = 0;
  static final long SREGS_CS_SELECTOR = 12;

  /** struct kvm_run: the exit reason and the members of its exit union the probe reads. */
  static final long RUN_EXIT_REASON = 8;

  static final long RUN_IO_DIRECTION = 32;
  static final long RUN_IO_SIZE = 33;
  static final long RUN_IO_PORT = 34;
  static final long RUN_IO_COUNT = 36;
  static final long RUN_IO_DATA_OFFSET = 40;
  static final long RUN_FAIL_ENTRY_REASON = 32;
  static final long RUN_INTERNAL_SUBERROR = 32;

  private KvmAbi() {}

  /** {@code KVM_EXIT_HLT} for 5, as the kernel headers name it. */
  static String exitName(int reason) {
    return switch (reason) {
      case 0 -> "KVM_EXIT_UNKNOWN";
      case 1 -> "KVM_EXIT_EXCEPTION";
      case EXIT_IO -> "KVM_EXIT_IO";
      case 3 -> "KVM_EXIT_HYPERCALL";
      case 4 -> "KVM_EXIT_DEBUG";
      case EXIT_HLT -> "KVM_EXIT_HLT";
      case 6 -> "KVM_EXIT_MMIO";
      case EXIT_SHUTDOWN -> "KVM_EXIT_SHUTDOWN";
      case EXIT_FAIL_ENTRY -> "KVM_EXIT_FAIL_ENTRY";
      case EXIT_INTR -> "KVM_EXIT_INTR";
      case EXIT_INTERNAL_ERROR -> "KVM_EXIT_INTERNAL_ERROR";
      case 24 -> "KVM_EXIT_SYSTEM_EVENT";
      default -> "exit reason " + reason;
    };
  }
}
