package io.nestedvirt.operator.events;

/** Reasons of the Events the operator records on pools. */
public enum EventReason {
  Launched,
  ScalingDown,
  LaunchFailed,
  CapacityFallback,
  Terminating,
  InvalidSpec,
  InstanceTypeRefused,
  LaunchConfigInvalid,
  ForgedNodeIgnored,
  NodeVerified,
  NodeReplaced,
  DrainBlocked
}
