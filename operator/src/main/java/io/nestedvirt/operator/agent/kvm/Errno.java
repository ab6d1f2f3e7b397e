package io.nestedvirt.operator.agent.kvm;

import java.util.Map;

/** Linux errno values (x86-64) the probe tells apart, and their symbolic names. */
final class Errno {
  static final int EPERM = 1;
  static final int ENOENT = 2;
  static final int EINTR = 4;
  static final int EIO = 5;
  static final int ENXIO = 6;
  static final int EAGAIN = 11;
  static final int ENOMEM = 12;
  static final int EACCES = 13;
  static final int EFAULT = 14;
  static final int EBUSY = 16;
  static final int EEXIST = 17;
  static final int ENODEV = 19;
  static final int ENOTDIR = 20;
  static final int EISDIR = 21;
  static final int EINVAL = 22;
  static final int ENFILE = 23;
  static final int EMFILE = 24;
  static final int ENOTTY = 25;
  static final int EROFS = 30;
  static final int E2BIG = 7;
  static final int ENOSPC = 28;
  static final int ELOOP = 40;
  static final int EOPNOTSUPP = 95;

  private static final Map<Integer, String> NAMES =
      Map.ofEntries(
          Map.entry(EPERM, "EPERM"),
          Map.entry(ENOENT, "ENOENT"),
          Map.entry(EINTR, "EINTR"),
          Map.entry(EIO, "EIO"),
          Map.entry(ENXIO, "ENXIO"),
          Map.entry(E2BIG, "E2BIG"),
          Map.entry(EAGAIN, "EAGAIN"),
          Map.entry(ENOMEM, "ENOMEM"),
          Map.entry(EACCES, "EACCES"),
          Map.entry(EFAULT, "EFAULT"),
          Map.entry(EBUSY, "EBUSY"),
          Map.entry(EEXIST, "EEXIST"),
          Map.entry(ENODEV, "ENODEV"),
          Map.entry(ENOTDIR, "ENOTDIR"),
          Map.entry(EISDIR, "EISDIR"),
          Map.entry(EINVAL, "EINVAL"),
          Map.entry(ENFILE, "ENFILE"),
          Map.entry(EMFILE, "EMFILE"),
          Map.entry(ENOTTY, "ENOTTY"),
          Map.entry(ENOSPC, "ENOSPC"),
          Map.entry(EROFS, "EROFS"),
          Map.entry(ELOOP, "ELOOP"),
          Map.entry(EOPNOTSUPP, "EOPNOTSUPP"));

  private Errno() {}

  /** {@code ENOTTY} for 25; {@code errno 123} for values without a name here. */
  static String name(int errno) {
    String name = NAMES.get(errno);
    return name != null ? name : "errno " + errno;
  }
}
