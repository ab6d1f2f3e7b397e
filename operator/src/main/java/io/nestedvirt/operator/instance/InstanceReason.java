package io.nestedvirt.operator.instance;

import io.nestedvirt.operator.conditions.Names;

/** Reasons of a machine's conditions: CamelCase words that tools can match on. */
public enum InstanceReason {
  // Launched
  Launched,
  Launching,
  LaunchUncertain,
  Throttled,
  CloudError,
  LaunchConfigInvalid,
  BootstrapTokenFailed,
  PoolNotFound,
  InsufficientCapacity,
  NotOffered,
  LaunchRefused,
  SpotRefused,
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
  VerificationStale,
  // Healthy (NodeNotReady and VerificationStale too)
  Healthy,
  InstanceStopped,
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
  Migrating,
  WaitingForMigrationSlot,
  WaitingForRoom,
  DoNotDisrupt,
  DrainStuck,
  Drained,
  Terminating,
  NoNode,
  // VolumesDetached
  AwaitingVolumeDetach,
  UpToDate,
  Drifted,
  // Interrupted: the notice's kind (see InterruptionNotice.Kind)
  SpotInterruption,
  InstanceStopping,
  ScheduledChange,
  RebalanceRecommendation;

  /**
   * Whether a Launched reason as stored ends the launch; a reason this version does not know (a
   * newer one wrote it) does not.
   */
  static boolean endsLaunch(String reason) {
    return Names.parse(InstanceReason.class, reason).filter(InstanceReason::endsLaunch).isPresent();
  }

  /** Launch outcomes after which the machine can never run: it is Failed and replaced. */
  boolean endsLaunch() {
    return this == InsufficientCapacity
        || this == NotOffered
        || this == LaunchRefused
        || this == SpotRefused
        || this == LaunchSettingsChanged;
  }
}
