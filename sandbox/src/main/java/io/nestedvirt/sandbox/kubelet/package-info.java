/**
 * A kubelet simulator: plays the kubelets of emulated EC2 instances against a Kubernetes API
 * server, so that the sandbox and the tests see Nodes join, become Ready, report {@code
 * NestedVirtualizationReady} and go away, without a real node.
 *
 * <p>{@link io.nestedvirt.sandbox.kubelet.KubeletSimulator} follows instance state changes (from
 * {@link io.nestedvirt.sandbox.ec2.Ec2Emulator} or any other EC2 source through {@link
 * io.nestedvirt.sandbox.kubelet.KubeletSimulator#observe}). It registers a Node the way an EKS
 * kubelet does, with the labels and taints the instance's user data asks for ({@link
 * io.nestedvirt.sandbox.kubelet.RegistrationParser}), then writes status through the {@code
 * nodes/status} subresource, so it behaves the same against fabric8's mock server and a real
 * kube-apiserver.
 *
 * <p>The {@code NestedVirtualizationReady} condition it writes stands in for the node agent (the
 * sandbox runs the agent's own logic instead and tells the simulator when a node is verified). Its
 * verdict is derived from the instance's CPU options, not from a KVM probe, and its messages say
 * so. Once a node is verified it also plays KubeVirt's virt-handler and kata-deploy: their devices
 * and labels.
 */
package io.nestedvirt.sandbox.kubelet;
