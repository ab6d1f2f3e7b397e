/**
 * Instance user data that makes a launched EC2 instance join the cluster as a node of its pool.
 *
 * <p>{@link io.nestedvirt.operator.node.bootstrap.UserDataRenderer#render} turns a {@link
 * io.nestedvirt.operator.node.bootstrap.NodeBootstrap} into the user data text. Everything here is
 * pure: no clients, no I/O. A kubeadm instance's bootstrap token ({@link
 * io.nestedvirt.operator.node.bootstrap.BootstrapToken}) is made and stored by the caller and
 * passed in; {@link io.nestedvirt.operator.node.bootstrap.BootstrapTokenSecret} is the shape of its
 * Secret.
 *
 * <p>The node registers with the pool label {@code nestedvirt.io/pool=<pool>} and the startup taint
 * {@code nestedvirt.io/unverified:NoSchedule} from its first moment, so nothing is scheduled on it
 * before the operator has verified KVM. Labels that NodeRestriction forbids a kubelet to set (among
 * them {@code node-restriction.kubernetes.io/nestedvirt-pool}) cannot be in the kubelet's flags;
 * {@link io.nestedvirt.operator.node.bootstrap.BootstrapUserData#labelsAfterJoin} lists them for
 * the operator to apply once the Node exists.
 *
 * <p>In {@link io.nestedvirt.operator.node.bootstrap.BootstrapMode#RAW} mode the user data is the
 * admin's, unchanged: the kubelet registers without our labels and taints, and the operator applies
 * all of them ({@link io.nestedvirt.operator.node.bootstrap.BootstrapUserData#taintsAfterJoin})
 * when the Node appears, so there is a short window in which the node is schedulable.
 */
package io.nestedvirt.operator.node.bootstrap;
