package io.nestedvirt.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The pool's rolling replacement of machines that no longer match it. */
public class RolloutStatus {
  @JsonPropertyDescription(
      "Serving machines launched with settings, an instance type or an image the pool no longer"
          + " has.")
  public Integer drifted = 0;

  @JsonPropertyDescription("Serving machines older than spec.disruption.expireAfter.")
  public Integer expired = 0;

  @JsonPropertyDescription(
      "Serving machines whose instance EC2 scheduled a change for (a retirement, a stop, a reboot,"
          + " maintenance): replaced ahead of it, even outside the disruption window.")
  public Integer scheduled = 0;

  @JsonPropertyDescription("Machines being replaced: draining, their successors launched.")
  public Integer replacing = 0;

  @JsonPropertyDescription(
      "Machines replaced (drained and deleted) since the pool last had nothing to replace.")
  public Integer replaced = 0;

  public RolloutStatus() {}
}
