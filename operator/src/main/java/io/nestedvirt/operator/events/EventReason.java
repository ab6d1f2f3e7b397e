package io.nestedvirt.operator.events;

/** Reasons of the Events the operator records on pools, on their machines and on pending pods. */
public enum EventReason {
  // On a pool: what the pool controller decided.
  ScalingUp,
  ScalingDown,
  ScaleDownCancelled,
  ScaleDownBlocked,
  NodeReplaced,
  Drifted,
  Replacing,
  RolloutWaiting,
  RolloutComplete,
  RepairBlocked,
  Adopted,
  InvalidSpec,
  InstanceTypeRefused,
  LaunchConfigInvalid,
  ForgedNodeIgnored,
  MaxReplicasReached,
  // On a pending pod: what the autoscaler decided for it (the names Cluster Autoscaler uses).
  TriggeredScaleUp,
  NotTriggerScaleUp,
  // On a machine (NestedVirtInstance): what happened to it.
  Launched,
  LaunchFailed,
  BootstrapTokenFailed,
  CapacityFallback,
  OfferingFallback,
  DuplicateNode,
  NodeVerified,
  VerificationStale,
  NodeWriteRefused,
  DrainWaiting,
  DrainBlocked,
  DrainCancelled,
  VmMigrated,
  Terminating,
  VolumesNotDetached,
  InstanceGone,
  SpotInterruption,
  InstanceStopping,
  ScheduledChange,
  RebalanceRecommendation,
  SpotFallback,
  // On either kind.
  Unreadable
}
