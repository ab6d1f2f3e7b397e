package io.nestedvirt.operator.pool;

/** Condition reasons: CamelCase words that tools can match on. */
public enum ConditionReason {
  Ready,
  Converged,
  Progressing,
  InstancesStarting,
  InvalidSpec,
  Valid,
  AllTypesCapable,
  UnknownInstanceType,
  IncapableInstanceType,
  Resolved,
  SubnetNotFound,
  SecurityGroupNotFound,
  ImageNotFound,
  BootstrapInvalid,
  LaunchRefused,
  Scaled,
  ScalingUp,
  ScalingDown,
  InsufficientCapacity,
  Throttled,
  CloudError,
  Deleting,
  DrainStuck,
  UnreadableMachine,
  RetryingAfterError,
  LaunchBackoff
}
