/**
 * Demand-driven scaling of pools with {@code spec.autoscaling}: pending pods that a new node of a
 * pool would take grow it, nodes that run nothing but DaemonSets for {@code scaleDownAfter} shrink
 * it. The {@link io.nestedvirt.operator.autoscaling.Autoscaler} decides (from the informers, with
 * the pure fit and bin-packing of {@code demand}); the pool controller acts on each decision once
 * and keeps its result in {@code status.desiredReplicas}.
 */
package io.nestedvirt.operator.autoscaling;
