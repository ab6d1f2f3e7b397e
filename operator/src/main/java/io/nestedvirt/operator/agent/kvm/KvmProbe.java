package io.nestedvirt.operator.agent.kvm;

import static io.nestedvirt.operator.agent.kvm.KvmAbi.Ioctl.KVM_CHECK_EXTENSION;
import static io.nestedvirt.operator.agent.kvm.KvmAbi.Ioctl.KVM_CREATE_VCPU;
import static io.nestedvirt.operator.agent.kvm.KvmAbi.Ioctl.KVM_CREATE_VM;
import static io.nestedvirt.operator.agent.kvm.KvmAbi.Ioctl.KVM_GET_API_VERSION;
import static io.nestedvirt.operator.agent.kvm.KvmAbi.Ioctl.KVM_GET_SREGS;
import static io.nestedvirt.operator.agent.kvm.KvmAbi.Ioctl.KVM_GET_VCPU_MMAP_SIZE;
import static io.nestedvirt.operator.agent.kvm.KvmAbi.Ioctl.KVM_RUN;
import static io.nestedvirt.operator.agent.kvm.KvmAbi.Ioctl.KVM_SET_REGS;
import static io.nestedvirt.operator.agent.kvm.KvmAbi.Ioctl.KVM_SET_SREGS;
import static io.nestedvirt.operator.agent.kvm.KvmAbi.Ioctl.KVM_SET_USER_MEMORY_REGION;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.nestedvirt.operator.agent.kvm.ProbeResult.Failure;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Proves that this machine can run a virtual machine: opens the KVM device, creates a VM with one
 * vCPU and a few pages of memory, and runs a five-byte real-mode guest ({@code mov al,0x2a; out
 * 0x10,al; hlt}) until it has written {@code 0x2a} to port {@code 0x10} and halted. Talks to the
 * kernel through the Foreign Function and Memory API (no JNI, no helper binary); the JVM needs
 * native access ({@code --enable-native-access=ALL-UNNAMED}; the jar's manifest grants it).
 *
 * <p>Every descriptor and mapping is released before {@link #run} returns, whatever happened. Runs
 * are independent and may happen on several threads at once. A warm run takes about a millisecond.
 */
public final class KvmProbe {
  public static final Path DEFAULT_DEVICE = Path.of("/dev/kvm");

  static final int GUEST_PORT = 0x10;
  static final int GUEST_BYTE = 0x2a;

  /** {@code mov al,0x2a; out 0x10,al; hlt}, loaded and entered at guest-physical 0x1000. */
  private static final byte[] GUEST_CODE = {
    (byte) 0xb0, (byte) GUEST_BYTE, (byte) 0xe6, (byte) GUEST_PORT, (byte) 0xf4
  };

  private static final long GUEST_ENTRY = 0x1000;
  private static final long GUEST_MEMORY_SIZE = 0x4000;

  /** The guest needs two exits (IO, then HLT); more means it is not doing what it should. */
  static final int MAX_EXITS = 16;

  /** KVM_RUN returns EINTR when a signal arrives (the JVM uses some); retried this often. */
  static final int MAX_INTERRUPTED_RUNS = 1000;

  private static final String SUCCESS = "guest wrote 0x2a to port 0x10 and halted";

  private KvmProbe() {}

  /** Probes {@link #DEFAULT_DEVICE}. */
  public static ProbeResult run() {
    return run(DEFAULT_DEVICE);
  }

  /** Runs the test VM on {@code device}; never throws for what the host lacks, reports it. */
  public static ProbeResult run(Path device) {
    HostVirtualization host = HostVirtualization.read();
    Findings found = new Findings();
    ProbeFailure failure = null;
    long start = System.nanoTime();
    try {
      checkPlatform();
      try (Arena arena = Arena.ofConfined();
          Session session = new Session(device, new LibC(arena), arena, found)) {
        session.probe();
      }
    } catch (ProbeFailure f) {
      failure = f;
    } catch (IllegalCallerException e) {
      failure =
          new ProbeFailure(
              Failure.NATIVE_ACCESS_DENIED,
              "the JVM denies the native access needed to talk to "
                  + device
                  + ": run java with --enable-native-access=ALL-UNNAMED");
    }
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    return new ProbeResult(
        failure == null,
        failure == null ? null : failure.failure(),
        failure == null ? SUCCESS : failure.getMessage(),
        device.toString(),
        found.apiVersion,
        found.capabilities,
        host.cpuFlag(),
        host.kvmModules(),
        found.guestByte,
        found.halted,
        elapsed);
  }

  /** What failing to open {@code device} with {@code errno} means to an admin. */
  static ProbeFailure openFailure(Path device, int errno) {
    return switch (errno) {
      case Errno.ENOENT ->
          new ProbeFailure(
              Failure.DEVICE_MISSING,
              device
                  + " does not exist: the instance runs without nested virtualization (launch it"
                  + " with CpuOptions NestedVirtualization=enabled)");
      case Errno.EACCES ->
          new ProbeFailure(
              Failure.PERMISSION_DENIED,
              "permission denied opening " + device + ": run the agent with access to the device");
      case Errno.EPERM ->
          new ProbeFailure(
              Failure.PERMISSION_DENIED,
              "operation not permitted opening "
                  + device
                  + " (EPERM, a device cgroup denies it): run the agent with access to the"
                  + " device");
      case Errno.ENOTDIR, Errno.EISDIR ->
          new ProbeFailure(
              Failure.NOT_A_KVM_DEVICE,
              device + " is not a KVM device (open: " + Errno.name(errno) + ")");
      case Errno.ENXIO, Errno.ENODEV ->
          new ProbeFailure(
              Failure.DEVICE_UNUSABLE,
              device
                  + " exists but no KVM driver answers it (open: "
                  + Errno.name(errno)
                  + "): the kvm kernel module for this CPU is not loaded");
      default ->
          new ProbeFailure(
              Failure.DEVICE_UNUSABLE,
              "cannot open " + device + " (open: " + Errno.name(errno) + ")");
    };
  }

  /** What KVM_GET_API_VERSION failing with {@code errno} means: not KVM at all. */
  static ProbeFailure apiVersionFailure(Path device, int errno) {
    return new ProbeFailure(
        Failure.NOT_A_KVM_DEVICE,
        device + " is not a KVM device (ioctl KVM_GET_API_VERSION: " + Errno.name(errno) + ")");
  }

  private static void checkPlatform() throws ProbeFailure {
    String os = System.getProperty("os.name", "");
    String arch = System.getProperty("os.arch", "");
    if (!os.equals("Linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
      throw new ProbeFailure(
          Failure.UNSUPPORTED_PLATFORM,
          "the KVM probe supports Linux on x86-64 only; this is " + os + " on " + arch);
    }
  }

  /** A failed step: the {@link Failure} and the admin's one-line message. */
  static final class ProbeFailure extends Exception {
    private final Failure failure;

    ProbeFailure(Failure failure, String message) {
      super(message, null, false, false);
      this.failure = failure;
    }

    Failure failure() {
      return failure;
    }
  }

  /** What a run learned, kept even when a later step fails. */
  private static final class Findings {
    int apiVersion;
    final Map<String, Integer> capabilities = new LinkedHashMap<>();
    Integer guestByte;
    boolean halted;
  }

  /** One probe's descriptors and mappings; {@link #close} releases them in reverse order. */
  private static final class Session implements AutoCloseable {
    private final Path device;
    private final LibC libc;
    private final Arena arena;
    private final Findings found;
    private final Deque<Runnable> releases = new ArrayDeque<>();

    Session(Path device, LibC libc, Arena arena, Findings found) {
      this.device = device;
      this.libc = libc;
      this.arena = arena;
      this.found = found;
    }

    void probe() throws ProbeFailure {
      int kvm = openDevice();
      checkApiVersion(kvm);
      checkCapabilities(kvm);
      int vm = createVm(kvm);
      addGuestMemory(vm);
      int vcpu = createVcpu(vm);
      MemorySegment kvmRun = mapRunArea(kvm, vcpu);
      setUpRegisters(vcpu);
      runGuest(vcpu, kvmRun);
    }

    @Override
    public void close() {
      while (!releases.isEmpty()) {
        releases.pop().run();
      }
    }

    private int openDevice() throws ProbeFailure {
      try {
        int fd = libc.open(device.toString(), LibC.O_RDWR | LibC.O_CLOEXEC);
        releases.push(() -> libc.close(fd));
        return fd;
      } catch (SyscallException e) {
        throw openFailure(device, e.errno());
      }
    }

    private void checkApiVersion(int kvm) throws ProbeFailure {
      try {
        found.apiVersion = libc.ioctl(kvm, KVM_GET_API_VERSION, 0);
      } catch (SyscallException e) {
        throw apiVersionFailure(device, e.errno());
      }
      if (found.apiVersion != KvmAbi.API_VERSION) {
        throw new ProbeFailure(
            Failure.API_VERSION_MISMATCH,
            device
                + " speaks KVM API version "
                + found.apiVersion
                + ", not "
                + KvmAbi.API_VERSION
                + ": this kernel's KVM is not one virtual machine monitors can use");
      }
    }

    private void checkCapabilities(int kvm) throws ProbeFailure {
      for (KvmAbi.Capability cap : KvmAbi.Capability.values()) {
        try {
          found.capabilities.put(cap.name(), libc.ioctl(kvm, KVM_CHECK_EXTENSION, cap.number()));
        } catch (SyscallException e) {
          throw new ProbeFailure(
              Failure.CAPABILITY_MISSING,
              "cannot ask "
                  + device
                  + " for "
                  + cap.name()
                  + " (ioctl KVM_CHECK_EXTENSION: "
                  + Errno.name(e.errno())
                  + ")");
        }
      }
      if (found.capabilities.get(KvmAbi.Capability.KVM_CAP_USER_MEMORY.name()) <= 0) {
        throw new ProbeFailure(
            Failure.CAPABILITY_MISSING,
            device
                + " lacks KVM_CAP_USER_MEMORY: this kernel's KVM cannot give a guest memory"
                + " from a process");
      }
    }

    private int createVm(int kvm) throws ProbeFailure {
      try {
        int vm = libc.ioctl(kvm, KVM_CREATE_VM, 0);
        releases.push(() -> libc.close(vm));
        return vm;
      } catch (SyscallException e) {
        throw stepFailed(Failure.VM_CREATE_FAILED, "the hypervisor refused to create a VM", e);
      }
    }

    private void addGuestMemory(int vm) throws ProbeFailure {
      try {
        MemorySegment memory =
            libc.mmap(
                GUEST_MEMORY_SIZE,
                LibC.PROT_READ | LibC.PROT_WRITE,
                LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS,
                -1,
                "guest memory");
        releases.push(() -> libc.munmap(memory));
        MemorySegment.copy(
            MemorySegment.ofArray(GUEST_CODE), 0, memory, GUEST_ENTRY, GUEST_CODE.length);
        MemorySegment region = arena.allocate(KvmAbi.REGION_SIZE, 8);
        region.set(JAVA_INT, KvmAbi.REGION_SLOT, 0);
        region.set(JAVA_INT, KvmAbi.REGION_FLAGS, 0);
        region.set(JAVA_LONG, KvmAbi.REGION_GUEST_PHYS_ADDR, 0L);
        region.set(JAVA_LONG, KvmAbi.REGION_MEMORY_SIZE, GUEST_MEMORY_SIZE);
        region.set(JAVA_LONG, KvmAbi.REGION_USERSPACE_ADDR, memory.address());
        libc.ioctl(vm, KVM_SET_USER_MEMORY_REGION, region);
      } catch (SyscallException e) {
        throw stepFailed(Failure.MEMORY_SETUP_FAILED, "could not give the test VM its memory", e);
      }
    }

    private int createVcpu(int vm) throws ProbeFailure {
      try {
        int vcpu = libc.ioctl(vm, KVM_CREATE_VCPU, 0);
        releases.push(() -> libc.close(vcpu));
        return vcpu;
      } catch (SyscallException e) {
        throw stepFailed(
            Failure.VCPU_CREATE_FAILED, "the hypervisor refused to create a virtual CPU", e);
      }
    }

    private MemorySegment mapRunArea(int kvm, int vcpu) throws ProbeFailure {
      try {
        int size = libc.ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
        MemorySegment kvmRun =
            libc.mmap(size, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, vcpu, "kvm_run");
        releases.push(() -> libc.munmap(kvmRun));
        return kvmRun;
      } catch (SyscallException e) {
        throw stepFailed(Failure.VCPU_SETUP_FAILED, "could not map the virtual CPU's run area", e);
      }
    }

    /** Real mode, code segment at 0, entry at {@link #GUEST_ENTRY}, only the reserved flag. */
    private void setUpRegisters(int vcpu) throws ProbeFailure {
      try {
        MemorySegment sregs = arena.allocate(KvmAbi.SREGS_SIZE, 8);
        libc.ioctl(vcpu, KVM_GET_SREGS, sregs);
        sregs.set(JAVA_LONG, KvmAbi.SREGS_CS_BASE, 0L);
        sregs.set(JAVA_SHORT, KvmAbi.SREGS_CS_SELECTOR, (short) 0);
        libc.ioctl(vcpu, KVM_SET_SREGS, sregs);
        MemorySegment regs = arena.allocate(KvmAbi.REGS_SIZE, 8);
        regs.set(JAVA_LONG, KvmAbi.REGS_RIP, GUEST_ENTRY);
        regs.set(JAVA_LONG, KvmAbi.REGS_RFLAGS, 0x2L);
        libc.ioctl(vcpu, KVM_SET_REGS, regs);
      } catch (SyscallException e) {
        throw stepFailed(Failure.VCPU_SETUP_FAILED, "could not set the virtual CPU's registers", e);
      }
    }

    private void runGuest(int vcpu, MemorySegment kvmRun) throws ProbeFailure {
      int interrupted = 0;
      int lastExit = -1;
      for (int exits = 0; exits < MAX_EXITS; ) {
        try {
          libc.ioctl(vcpu, KVM_RUN, 0);
        } catch (SyscallException e) {
          if (e.errno() == Errno.EINTR && ++interrupted <= MAX_INTERRUPTED_RUNS) {
            continue;
          }
          throw stepFailed(Failure.RUN_FAILED, "the test VM could not run", e);
        }
        exits++;
        lastExit = kvmRun.get(JAVA_INT, KvmAbi.RUN_EXIT_REASON);
        switch (lastExit) {
          case KvmAbi.EXIT_IO -> readPortWrite(kvmRun);
          case KvmAbi.EXIT_HLT -> {
            if (found.guestByte == null) {
              throw new ProbeFailure(
                  Failure.GUEST_OUTPUT_WRONG,
                  "the test VM halted without writing to port 0x10: the hypervisor did not run"
                      + " the guest's code");
            }
            found.halted = true;
            return;
          }
          case KvmAbi.EXIT_INTR -> {
            // A signal was pending at entry; nothing ran. Enter again.
          }
          case KvmAbi.EXIT_FAIL_ENTRY ->
              throw unexpectedExit(
                  String.format(
                      Locale.ROOT,
                      "KVM_EXIT_FAIL_ENTRY, hardware entry failure reason 0x%x",
                      kvmRun.get(JAVA_LONG, KvmAbi.RUN_FAIL_ENTRY_REASON)));
          case KvmAbi.EXIT_INTERNAL_ERROR ->
              throw unexpectedExit(
                  "KVM_EXIT_INTERNAL_ERROR, suberror "
                      + kvmRun.get(JAVA_INT, KvmAbi.RUN_INTERNAL_SUBERROR));
          default -> throw unexpectedExit(KvmAbi.exitName(lastExit));
        }
      }
      throw new ProbeFailure(
          Failure.GUEST_DID_NOT_HALT,
          "the test VM did not halt within "
              + MAX_EXITS
              + " exits (last "
              + KvmAbi.exitName(lastExit)
              + "): the hypervisor does not run guests correctly");
    }

    private void readPortWrite(MemorySegment kvmRun) throws ProbeFailure {
      int direction = kvmRun.get(JAVA_BYTE, KvmAbi.RUN_IO_DIRECTION);
      int size = kvmRun.get(JAVA_BYTE, KvmAbi.RUN_IO_SIZE);
      int port = Short.toUnsignedInt(kvmRun.get(JAVA_SHORT, KvmAbi.RUN_IO_PORT));
      int count = kvmRun.get(JAVA_INT, KvmAbi.RUN_IO_COUNT);
      long dataOffset = kvmRun.get(JAVA_LONG, KvmAbi.RUN_IO_DATA_OFFSET);
      if (direction != KvmAbi.EXIT_IO_OUT || size != 1 || count != 1) {
        throw new ProbeFailure(
            Failure.GUEST_OUTPUT_WRONG,
            String.format(
                Locale.ROOT,
                "the test VM did port I/O other than its one-byte write (direction %d, size %d,"
                    + " count %d, port 0x%x): the hypervisor ran something else",
                direction,
                size,
                count,
                port));
      }
      if (dataOffset < 0 || dataOffset >= kvmRun.byteSize()) {
        throw new ProbeFailure(
            Failure.GUEST_OUTPUT_WRONG,
            "the hypervisor put the guest's port data outside the run area (offset "
                + dataOffset
                + ")");
      }
      int value = Byte.toUnsignedInt(kvmRun.get(JAVA_BYTE, dataOffset));
      boolean first = found.guestByte == null;
      found.guestByte = value;
      if (!first || port != GUEST_PORT || value != GUEST_BYTE) {
        throw new ProbeFailure(
            Failure.GUEST_OUTPUT_WRONG,
            String.format(
                Locale.ROOT,
                "the test VM wrote 0x%02x to port 0x%x%s, expected 0x2a to port 0x10 once: the"
                    + " hypervisor does not run guests correctly",
                value,
                port,
                first ? "" : " a second time"));
      }
    }

    private ProbeFailure stepFailed(Failure failure, String what, SyscallException e) {
      return new ProbeFailure(
          failure,
          what
              + " on "
              + device
              + " ("
              + e.call()
              + ": "
              + Errno.name(e.errno())
              + "): look for KVM errors in the node's kernel log");
    }

    private ProbeFailure unexpectedExit(String exit) {
      return new ProbeFailure(
          Failure.UNEXPECTED_EXIT,
          "the test VM on " + device + " stopped with " + exit + ": the hypervisor cannot run it");
    }
  }
}
