/**
 * The sandbox's stand-in for kube-scheduler ({@link io.nestedvirt.sandbox.scheduler.PodBinder}):
 * binds pending pods to nodes where they fit, or marks them Unschedulable with the scheduler's
 * message, so that the operator sees demand. Written from kube-scheduler's documented behaviour,
 * independently of the operator's fit code.
 */
package io.nestedvirt.sandbox.scheduler;
