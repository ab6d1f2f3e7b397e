package io.nestedvirt.operator.agent.kvm;

/** A libc call returned -1; {@link #errno()} says why. */
final class SyscallException extends Exception {
  private final String call;
  private final int errno;

  SyscallException(String call, int errno) {
    super(call + ": " + Errno.name(errno));
    this.call = call;
    this.errno = errno;
  }

  /** What was called, for example {@code ioctl KVM_CREATE_VM}. */
  String call() {
    return call;
  }

  int errno() {
    return errno;
  }
}
