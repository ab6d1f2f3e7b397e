package io.nestedvirt.operator.launch;

import io.nestedvirt.operator.node.bootstrap.BootstrapToken;
import io.nestedvirt.operator.node.bootstrap.NodeBootstrap;
import io.nestedvirt.operator.node.bootstrap.UserDataRenderer;

/**
 * A pool's user data: the same text for each of its instances (eks, raw), or, for kubeadm, each
 * instance's own text carrying the bootstrap token made for it. The token is never part of what the
 * pool resolves or hashes (see {@link LaunchSettingsHash}), so it makes no machine look drifted.
 */
public sealed interface UserData {
  /** Whether each instance needs a bootstrap token of its own. */
  boolean needsToken();

  /**
   * The text one instance boots with.
   *
   * @param token the instance's bootstrap token; ignored (may be null) unless {@link #needsToken}
   */
  String text(BootstrapToken token);

  /** The same for every instance of the pool. */
  record Shared(String text) implements UserData {
    @Override
    public boolean needsToken() {
      return false;
    }

    @Override
    public String text(BootstrapToken token) {
      return text;
    }
  }

  /**
   * kubeadm: rendered per instance with its token; the pool's settings were checked when this was
   * made, so rendering cannot fail for another reason.
   */
  record PerInstance(NodeBootstrap bootstrap) implements UserData {
    @Override
    public boolean needsToken() {
      return true;
    }

    @Override
    public String text(BootstrapToken token) {
      if (token == null) {
        throw new IllegalArgumentException("kubeadm user data needs the instance's token");
      }
      return UserDataRenderer.render(bootstrap.withToken(token)).text();
    }
  }
}
