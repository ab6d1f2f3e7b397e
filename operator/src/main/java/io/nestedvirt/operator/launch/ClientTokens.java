package io.nestedvirt.operator.launch;

/**
 * RunInstances client tokens. A machine's token is derived from its NestedVirtInstance's uid, so
 * every attempt to launch that machine (after a time-out, a lost response, a restart) carries the
 * same token, and EC2 answers a repeat with the instance the first attempt created instead of
 * launching a second one. The uid is readable in the token, so an instance's token names the object
 * that launched it.
 */
public final class ClientTokens {
  private static final String PREFIX = "nvi-";

  private ClientTokens() {}

  /** EC2 accepts up to 64 ASCII characters; a uid is 36. */
  public static String forInstance(String uid) {
    return PREFIX + uid;
  }
}
