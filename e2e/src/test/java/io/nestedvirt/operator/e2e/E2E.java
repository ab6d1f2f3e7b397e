package io.nestedvirt.operator.e2e;

import io.nestedvirt.sandbox.kubelet.KubeletSimulator;
import java.io.IOException;
import java.time.Duration;

/**
 * The real-peer stack, started once per test JVM and shared by the *E2E classes: a real API server,
 * moto, and the operator process authenticated as its ServiceAccount. Stopped when the JVM exits.
 *
 * <p>The operator runs with leader election, as in production, so that exactly one operator
 * reconciles in the whole tier even while {@link LeaderElectionE2E} runs more replicas; that test
 * ends the holder (twice), and the replica that took over serves the tests that follow.
 */
final class E2E {
  static final String CLUSTER = "e2e";

  /** The pools' resource, for reading them as the API server stores them (generic objects). */
  static final io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext POOLS =
      new io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext.Builder()
          .withGroup("nestedvirt.io")
          .withVersion("v1alpha1")
          .withKind("NestedVirtPool")
          .withPlural("nestedvirtpools")
          .withNamespaced(false)
          .build();

  private static Stack stack;
  private static final java.util.List<OperatorProcess> replicas = new java.util.ArrayList<>();

  /** A failed start is not retried by every test: they all fail with its cause at once. */
  private static IllegalStateException startFailure;

  record Stack(
      E2EEnvironment env,
      RealCluster cluster,
      Moto moto,
      MotoKubelets kubelets,
      OperatorProcess operator)
      implements AutoCloseable {

    /**
     * A real API server with {@code components}, moto, kubelets played for moto's instances, and
     * the operator as a process with its ServiceAccount's token.
     */
    static Stack start(E2EEnvironment env, RealCluster.Components components)
        throws IOException, InterruptedException {
      RealCluster cluster = new RealCluster(env, components);
      Moto moto = null;
      try {
        moto = new Moto(env, CLUSTER);
        MotoKubelets kubelets =
            new MotoKubelets(
                moto.ec2,
                new KubeletSimulator(
                    cluster.admin,
                    KubeletSimulator.Settings.defaults()
                        .withRegistrationDelay(Duration.ofMillis(200))
                        .withVerificationDelay(Duration.ofMillis(200))));
        OperatorProcess operator =
            new OperatorProcess(env, cluster.operatorKubeconfig(), moto, CLUSTER, "operator");
        return new Stack(env, cluster, moto, kubelets, operator);
      } catch (IOException | RuntimeException e) {
        if (moto != null) {
          moto.close();
        }
        cluster.close();
        throw e;
      }
    }

    @Override
    public void close() throws InterruptedException {
      operator.close();
      kubelets.close();
      moto.close();
      cluster.close();
    }
  }

  private E2E() {}

  static synchronized Stack stack() {
    if (startFailure != null) {
      throw startFailure;
    }
    if (stack == null) {
      try {
        E2EEnvironment env = E2EEnvironment.load();
        System.out.printf(
            "e2e: kube-apiserver v%s, kube-controller-manager %s, etcd v%s, moto %s%n",
            env.kubernetesVersion(),
            KubeComponent.version(env, "kube-controller-manager"),
            env.etcdVersion(),
            env.motoVersion());
        stack = Stack.start(env, RealCluster.Components.DISRUPTION);
        Runtime.getRuntime().addShutdownHook(new Thread(E2E::stop));
      } catch (IOException | RuntimeException e) {
        startFailure =
            new IllegalStateException("the E2E stack did not start: " + e.getMessage(), e);
        throw startFailure;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    return stack;
  }

  /**
   * A stack of its own for a test class that needs Kubernetes' scheduling (the real kube-scheduler
   * and DaemonSet controller), which would move or add pods under the shared stack's tests; it logs
   * into {@code <logs>/<name>/}, and the class closes it when it ends.
   */
  static Stack startSchedulingStack(String name) throws IOException, InterruptedException {
    E2EEnvironment env = E2EEnvironment.load().loggingInto(name);
    System.out.printf(
        "e2e: %s: kube-apiserver v%s, %s, moto %s%n",
        name,
        env.kubernetesVersion(),
        KubeComponent.version(env, "kube-scheduler"),
        env.motoVersion());
    return Stack.start(env, RealCluster.Components.SCHEDULING);
  }

  /** Another operator replica against the stack, stopped with it. */
  static synchronized OperatorProcess startReplica(String name) throws IOException {
    return startReplica(name, stack().moto().endpoint);
  }

  /** Another operator replica whose EC2 requests go to {@code ec2} (a proxy in front of moto). */
  static synchronized OperatorProcess startReplica(String name, java.net.URI ec2)
      throws IOException {
    Stack s = stack();
    OperatorProcess replica =
        new OperatorProcess(s.env(), s.cluster().operatorKubeconfig(), ec2, CLUSTER, name);
    replicas.add(replica);
    return replica;
  }

  /** Every operator process started against the stack, alive or not: its own and the replicas. */
  static synchronized java.util.List<OperatorProcess> operators() {
    java.util.List<OperatorProcess> all = new java.util.ArrayList<>();
    all.add(stack().operator());
    all.addAll(replicas);
    return all;
  }

  /** The live operator that says, in its metrics, that it holds the lease. */
  static OperatorProcess leader() {
    return operators().stream()
        .filter(OperatorProcess::isAlive)
        .filter(
            p -> {
              try {
                return p.scrape().sum("nestedvirt_leader") == 1;
              } catch (IOException | RuntimeException e) {
                return false;
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
              }
            })
        .findFirst()
        .orElseThrow(() -> new AssertionError("no live operator says it leads"));
  }

  private static void stop() {
    try {
      synchronized (E2E.class) {
        for (OperatorProcess replica : replicas) {
          replica.close();
        }
      }
      stack.close();
    } catch (InterruptedException ignored) {
      Thread.currentThread().interrupt();
    }
  }

  /** {@code kubectl apply} of a pool of {@code replicas} machines of one type on moto's image. */
  static void applyPool(String name, int replicas, String instanceType) throws IOException {
    java.nio.file.Path manifest = java.nio.file.Files.createTempFile(name, ".yaml");
    java.nio.file.Files.writeString(
        manifest,
        """
        apiVersion: nestedvirt.io/v1alpha1
        kind: NestedVirtPool
        metadata:
          name: %s
        spec:
          replicas: %d
          instanceTypes: [%s]
          image: %s
        """
            .formatted(name, replicas, instanceType, stack().moto().imageId));
    Tool.Result applied = stack().cluster().kubectl("apply", "-f", manifest.toString());
    if (applied.code() != 0) {
      throw new AssertionError("kubectl apply of pool " + name + " failed: " + applied.output());
    }
  }

  /** The pool's machines (NestedVirtInstances) as the API server holds them. */
  static java.util.List<io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance> machines(
      io.fabric8.kubernetes.client.KubernetesClient admin, String pool) {
    return admin
        .resources(io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance.class)
        .withLabel(io.nestedvirt.operator.api.v1alpha1.NestedVirtPool.POOL_LABEL, pool)
        .list()
        .getItems();
  }

  /** The nodes of the pool's Ready machines. */
  static java.util.List<String> readyNodes(
      io.fabric8.kubernetes.client.KubernetesClient admin, String pool) {
    return machines(admin, pool).stream()
        .filter(m -> m.getStatus() != null && "Ready".equals(m.getStatus().phase))
        .map(m -> m.getStatus().nodeName)
        .toList();
  }

  /**
   * Waits until the pool is Ready for its current generation with {@code replicas} instances, all
   * of them verified nodes; returns it as it then is.
   */
  static io.nestedvirt.operator.api.v1alpha1.NestedVirtPool awaitReady(
      io.fabric8.kubernetes.client.KubernetesClient admin, String name, int replicas) {
    var pools = admin.resources(io.nestedvirt.operator.api.v1alpha1.NestedVirtPool.class);
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              var p = pools.withName(name).get();
              return p != null
                  && p.getStatus() != null
                  && p.getMetadata().getGeneration().equals(p.getStatus().observedGeneration)
                  && p.getStatus().readyReplicas == replicas
                  && p.getStatus().replicas == replicas
                  && p.getStatus().conditions.stream()
                      .anyMatch(c -> c.type.equals("Ready") && c.status.equals("True"));
            });
    return pools.withName(name).get();
  }
}
