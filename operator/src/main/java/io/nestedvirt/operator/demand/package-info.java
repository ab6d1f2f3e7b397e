/**
 * Demand for new nodes, decided without touching a client: which pending pods count ({@link
 * io.nestedvirt.operator.demand.PendingPods}), what they request ({@link
 * io.nestedvirt.operator.demand.PodRequests}), what a node of a pool that does not exist yet will
 * offer ({@link io.nestedvirt.operator.demand.NodeOffers}, with the EKS kubelet's reservations in
 * {@link io.nestedvirt.operator.demand.KubeletReservations}), whether a pod fits such a node
 * ({@link io.nestedvirt.operator.demand.PodFit}), and how many nodes of which pools serve a batch
 * of pods ({@link io.nestedvirt.operator.demand.ScaleUpPlanner}, first-fit decreasing).
 *
 * <p>Cluster Autoscaler and Karpenter learn a node's shape from a template or an overlay; the
 * operator knows its pools' nodes, including the labels and devices that KubeVirt and Kata add only
 * after a node has joined, so a pending VM can ask for a node that is not there yet.
 */
package io.nestedvirt.operator.demand;
