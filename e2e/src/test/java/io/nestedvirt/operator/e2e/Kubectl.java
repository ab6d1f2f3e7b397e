package io.nestedvirt.operator.e2e;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs the kubectl binary, as a user would. */
final class Kubectl {
  private Kubectl() {}

  static Tool.Result run(Path kubectl, Path kubeconfig, String... args) {
    List<String> command = new ArrayList<>();
    command.add(kubectl.toString());
    command.add("--kubeconfig=" + kubeconfig);
    command.addAll(List.of(args));
    return Tool.run(null, command);
  }
}
