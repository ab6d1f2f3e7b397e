package io.nestedvirt.operator.events;

/** Reasons of the Events the operator records on pools and on their machines. */
public enum EventReason {
  // On a pool: what the pool controller decided.
  ScalingUp,
  ScalingDown,
  ScaleDownCancelled,
  ScaleDownBlocked,
  NodeReplaced,
  RepairBlocked,
  Adopted,
  InvalidSpec,
  InstanceTypeRefused,
  LaunchConfigInvalid,
  ForgedNodeIgnored,
  // On a machine (NestedVirtInstance): what happened to it.
  Launched,
  LaunchFailed,
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
  // On either kind.
  Unreadable
}
