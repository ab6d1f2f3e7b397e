package io.nestedvirt.operator.instance;

/** Reasons of a machine's conditions: CamelCase words that tools can match on. */
public enum InstanceReason {
  // Launched
  Launched,
  Launching,
  LaunchUncertain,
  Throttled,
  CloudError,
  LaunchConfigInvalid,
  PoolNotFound,
  InsufficientCapacity,
  LaunchRefused,
  LaunchSettingsChanged,
  // Registered
  Registered,
  AwaitingNode,
  DuplicateNodes,
  NodeDeleted,
  // Verified
  KvmVerified,
  AwaitingVerification,
  VerificationFailed,
  NodeWriteRefused,
  // Ready, with the liveness failures that make a machine Failed
  Ready,
  NodeNotReady,
  NotRunning,
  NestedVirtualizationDisabled,
  JoinTimeout,
  VerificationTimeout,
  InstanceTerminated,
  // Draining and Drained
  Draining,
  DrainStuck,
  Drained,
  Terminating,
  NoNode;

  /** Launch outcomes after which the machine can never run: it is Failed and replaced. */
  boolean endsLaunch() {
    return this == InsufficientCapacity || this == LaunchRefused || this == LaunchSettingsChanged;
  }
}
