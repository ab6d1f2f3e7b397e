package io.nestedvirt.operator.instance;

import java.util.ArrayList;
import java.util.List;

/** Node drains that answer as a test says and record what they were asked. */
final class RecordingDrains implements NodeDrains {
  final List<String> drained = new ArrayList<>();
  final List<String> uncordoned = new ArrayList<>();
  volatile Step next = new Step(true, "drained", 0, 0);

  @Override
  public Step drain(String nodeName, boolean force) {
    drained.add(nodeName);
    return next;
  }

  @Override
  public void uncordon(String nodeName) {
    uncordoned.add(nodeName);
  }
}
