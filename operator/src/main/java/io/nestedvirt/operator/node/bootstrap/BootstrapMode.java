package io.nestedvirt.operator.node.bootstrap;

/** How an instance joins the cluster. */
public enum BootstrapMode {
  /**
   * Amazon Linux 2023 EKS AMIs: a {@code nodeadm} NodeConfig in a MIME multipart document. The
   * kubelet registers with the pool's labels and the startup taint.
   */
  EKS,
  /**
   * Any image with kubeadm 1.31 or newer: a shell script that writes a kubeadm {@code
   * JoinConfiguration} (v1beta4) and runs {@code kubeadm join --config}. The kubelet registers with
   * the pool's labels and the startup taint.
   */
  KUBEADM,
  /**
   * The pool's own user data, passed through unchanged; it must join the node by itself. The
   * kubelet registers without the pool's labels and taints: the operator applies them (the startup
   * taint included) once the Node appears.
   */
  RAW
}
