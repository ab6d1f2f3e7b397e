package io.nestedvirt.operator.agent.kvm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The five libc calls the probe needs, bound with the Foreign Function and Memory API. Every call
 * that returns -1 throws a {@link SyscallException} with the errno the call left, captured by the
 * linker right after the call (a later JVM-internal call could otherwise overwrite it).
 *
 * <p>One instance per probe run: it owns the errno capture buffer, allocated from the run's arena,
 * so concurrent runs on different threads do not share it.
 */
final class LibC {
  static final int O_RDWR = 02;
  static final int O_CLOEXEC = 02000000;
  static final int PROT_READ = 0x1;
  static final int PROT_WRITE = 0x2;
  static final int MAP_SHARED = 0x01;
  static final int MAP_PRIVATE = 0x02;
  static final int MAP_ANONYMOUS = 0x20;

  private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

  /** Bound once per JVM, on first use; binding is a restricted operation (native access). */
  private static volatile Handles handles;

  private record Handles(
      MethodHandle open,
      MethodHandle close,
      MethodHandle ioctl,
      MethodHandle mmap,
      MethodHandle munmap) {

    static Handles bind() {
      Linker linker = Linker.nativeLinker();
      SymbolLookup libc = linker.defaultLookup();
      Linker.Option errno = Linker.Option.captureCallState("errno");
      return new Handles(
          // int open(const char *path, int flags, ...): the mode travels as a promoted int.
          linker.downcallHandle(
              libc.findOrThrow("open"),
              FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
              errno,
              Linker.Option.firstVariadicArg(2)),
          linker.downcallHandle(
              libc.findOrThrow("close"), FunctionDescriptor.of(JAVA_INT, JAVA_INT), errno),
          // int ioctl(int fd, unsigned long request, ...): the argument is an integer or a
          // pointer; both travel as a 64-bit value, the kernel reads the whole register.
          linker.downcallHandle(
              libc.findOrThrow("ioctl"),
              FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG),
              errno,
              Linker.Option.firstVariadicArg(2)),
          linker.downcallHandle(
              libc.findOrThrow("mmap"),
              FunctionDescriptor.of(
                  ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG),
              errno),
          linker.downcallHandle(
              libc.findOrThrow("munmap"),
              FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG),
              errno));
    }
  }

  private final Handles bound;
  private final Arena arena;
  private final MemorySegment callState;

  /**
   * Binds libc on first use.
   *
   * @throws IllegalCallerException when the JVM denies native access to this code
   */
  LibC(Arena arena) {
    Handles h = handles;
    if (h == null) {
      h = Handles.bind();
      handles = h;
    }
    this.bound = h;
    this.arena = arena;
    this.callState = arena.allocate(CALL_STATE);
  }

  /** open(2), retried on EINTR. */
  int open(String path, int flags) throws SyscallException {
    MemorySegment cPath = arena.allocateFrom(path);
    while (true) {
      int fd;
      try {
        fd = (int) bound.open.invokeExact(callState, cPath, flags, 0);
      } catch (Throwable t) {
        throw linkageBug(t);
      }
      if (fd >= 0) {
        return fd;
      }
      int errno = errno();
      if (errno != Errno.EINTR) {
        throw new SyscallException("open", errno);
      }
    }
  }

  /** close(2); errors are ignored: there is nothing left to do with the descriptor. */
  void close(int fd) {
    try {
      int ignored = (int) bound.close.invokeExact(callState, fd);
    } catch (Throwable t) {
      throw linkageBug(t);
    }
  }

  /**
   * ioctl(2) with an integer (or no) argument; returns the result, never -1. Not retried: the
   * caller decides what EINTR means for its request.
   */
  int ioctl(int fd, KvmAbi.Ioctl request, long arg) throws SyscallException {
    int result;
    try {
      result = (int) bound.ioctl.invokeExact(callState, fd, request.number(), arg);
    } catch (Throwable t) {
      throw linkageBug(t);
    }
    if (result == -1) {
      throw new SyscallException("ioctl " + request.name(), errno());
    }
    return result;
  }

  /** ioctl(2) with a pointer to {@code arg}. */
  int ioctl(int fd, KvmAbi.Ioctl request, MemorySegment arg) throws SyscallException {
    return ioctl(fd, request, arg.address());
  }

  /** mmap(2); the result is sized {@code length} and must be released with {@link #munmap}. */
  MemorySegment mmap(long length, int prot, int flags, int fd, String what)
      throws SyscallException {
    MemorySegment address;
    try {
      address =
          (MemorySegment)
              bound.mmap.invokeExact(callState, MemorySegment.NULL, length, prot, flags, fd, 0L);
    } catch (Throwable t) {
      throw linkageBug(t);
    }
    if (address.address() == -1L) { // MAP_FAILED
      throw new SyscallException("mmap " + what, errno());
    }
    return address.reinterpret(length);
  }

  /** munmap(2); errors are ignored, as for {@link #close}. */
  void munmap(MemorySegment mapping) {
    try {
      int ignored = (int) bound.munmap.invokeExact(callState, mapping, mapping.byteSize());
    } catch (Throwable t) {
      throw linkageBug(t);
    }
  }

  private int errno() {
    return (int) ERRNO.get(callState, 0L);
  }

  /** invokeExact only throws what the native function cannot: a mistake in this class. */
  private static IllegalStateException linkageBug(Throwable t) {
    return new IllegalStateException("libc downcall failed in the JVM: " + t, t);
  }
}
