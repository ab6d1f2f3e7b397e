package io.nestedvirt.operator.instance;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.nestedvirt.operator.Durations;
import io.nestedvirt.operator.api.v1alpha1.BootstrapSpec;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtInstance;
import io.nestedvirt.operator.api.v1alpha1.NestedVirtPool;
import io.nestedvirt.operator.node.bootstrap.BootstrapToken;
import io.nestedvirt.operator.node.bootstrap.BootstrapTokenSecret;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kubeadm bootstrap tokens the operator makes, one per machine, as Cluster API's kubeadm
 * bootstrap provider does: each is a Secret in {@code kube-system} that expires after the pool's
 * join timeout, is created before the RunInstances that carries it in its user data, and is deleted
 * once the machine's Node registered (the kubelet then has its own certificate) or the machine
 * goes. A token is never given to another machine.
 *
 * <p>Reads that decide what to create or delete go to the API server (a label-selected LIST): a
 * token this process created a moment ago may not be in a watch yet. The sweep of the garbage
 * collector reads an informer restricted to the operator's tokens by label, so that it costs no
 * request each period; it starts once some pool joins with kubeadm.
 */
public final class BootstrapTokens implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BootstrapTokens.class);

  private final KubernetesClient client;
  private volatile SharedIndexInformer<Secret> informer;

  /**
   * Tokens deleted while the watch may still show them: the next sweep must not delete them again.
   * Kept until the watch no longer lists them (a watch that missed the deletion, as the sandbox's
   * API server can between its list and its watch, would otherwise be swept each period forever).
   */
  private final Set<String> deleted = ConcurrentHashMap.newKeySet();

  public BootstrapTokens(KubernetesClient client) {
    this.client = client;
  }

  /**
   * Starts watching the operator's tokens, for {@link #sweep}: only once some pool joins with
   * kubeadm, so that an operator with eks and raw pools only never reads kube-system (and needs no
   * RBAC there). Never fails: without the watch, leftover tokens only wait for their expiry.
   */
  private synchronized SharedIndexInformer<Secret> watch() {
    if (informer != null) {
      return informer;
    }
    SharedIndexInformer<Secret> i =
        client
            .secrets()
            .inNamespace(BootstrapTokenSecret.NAMESPACE)
            .withLabel(BootstrapTokenSecret.MACHINE_UID_LABEL)
            .runnableInformer(0);
    i.exceptionHandler(
        (started, e) -> {
          log.warn(
              "cannot watch the operator's bootstrap token Secrets in {} ({}): leftover tokens"
                  + " are not swept until this works (they expire anyway); the operator's Role in"
                  + " {} needs list and watch on secrets",
              BootstrapTokenSecret.NAMESPACE,
              e.getMessage(),
              BootstrapTokenSecret.NAMESPACE);
          return true;
        });
    i.start();
    informer = i;
    return i;
  }

  /**
   * The token the machine's instance joins with: the one made for it earlier, while it stays valid
   * for at least half of {@code joinTimeout} (repeats of one RunInstances must carry the same user
   * data: EC2 answers a repeated client token only when the parameters match), else a new one,
   * whose Secret exists before this returns; older ones of the machine are deleted.
   *
   * @throws io.fabric8.kubernetes.client.KubernetesClientException when the API server refuses
   */
  BootstrapToken forLaunch(NestedVirtInstance machine, Duration joinTimeout, Instant now) {
    List<Secret> existing = ofMachine(machine.uid());
    Instant freshUntil = now.plus(joinTimeout.dividedBy(2));
    Optional<Secret> usable =
        existing.stream()
            .filter(s -> BootstrapTokenSecret.token(s).isPresent())
            .filter(
                s -> BootstrapTokenSecret.expiration(s).filter(freshUntil::isBefore).isPresent())
            .max(Comparator.comparing(s -> BootstrapTokenSecret.expiration(s).orElseThrow()));
    for (Secret s : existing) {
      if (usable.isEmpty() || s != usable.get()) {
        delete(s, "superseded before its machine launched");
      }
    }
    if (usable.isPresent()) {
      return BootstrapTokenSecret.token(usable.get()).orElseThrow();
    }
    BootstrapToken token = BootstrapToken.generate();
    client
        .secrets()
        .inNamespace(BootstrapTokenSecret.NAMESPACE)
        .resource(
            BootstrapTokenSecret.build(
                token,
                machine.name(),
                machine.uid(),
                machine.poolName(),
                now.plus(joinTimeout),
                owner(machine)))
        .create();
    log.info(
        "machine {}: created bootstrap token {} (expires in {})",
        machine.name(),
        token.secretName(),
        Durations.format(joinTimeout));
    return token;
  }

  /**
   * Deletes the machine's tokens (its node registered, or it goes). Never throws: what is left is
   * swept later and expires anyway.
   *
   * @return how many were deleted
   */
  int revoke(String machineUid, String why) {
    try {
      List<Secret> tokens = ofMachine(machineUid);
      tokens.forEach(s -> delete(s, why));
      return tokens.size();
    } catch (RuntimeException e) {
      log.warn(
          "cannot delete the bootstrap tokens of machine uid {} ({}); the garbage collector tries"
              + " again, and they expire anyway",
          machineUid,
          e.getMessage());
      return 0;
    }
  }

  /**
   * Whether the machine may hold a token: its pool joins with kubeadm, or the watch shows one (its
   * pool is gone or changed its mode). Spares eks and raw machines a request when they join or go.
   */
  boolean mayHold(NestedVirtPool pool, String machineUid) {
    return kubeadm(pool) || held(machineUid);
  }

  /** Whether the pool's instances join with kubeadm, and so get tokens. */
  static boolean kubeadm(NestedVirtPool pool) {
    return pool != null
        && pool.getSpec() != null
        && pool.getSpec().bootstrap != null
        && pool.getSpec().bootstrap.mode == BootstrapSpec.Mode.KUBEADM;
  }

  /** Whether the watch shows a token of the machine (cheap; may lag a creation). */
  private boolean held(String machineUid) {
    SharedIndexInformer<Secret> i = informer;
    return i != null
        && i.getStore().list().stream()
            .anyMatch(s -> machineUid.equals(BootstrapTokenSecret.machineUid(s)));
  }

  /**
   * Deletes the watched tokens whose machine no longer needs them, as the garbage collector decides
   * ({@code unneeded} takes the machine's uid).
   *
   * @param kubeadmPools whether some pool joins with kubeadm: the watch starts then, and stays
   * @return the names of the deleted Secrets
   */
  List<String> sweep(boolean kubeadmPools, Predicate<String> unneeded) {
    SharedIndexInformer<Secret> i = kubeadmPools ? watch() : informer;
    if (i == null || !i.hasSynced()) {
      return List.of();
    }
    List<Secret> watched = i.getStore().list();
    deleted.retainAll(watched.stream().map(s -> s.getMetadata().getName()).toList());
    List<Secret> doomed =
        watched.stream()
            .filter(s -> !deleted.contains(s.getMetadata().getName()))
            .filter(s -> unneeded.test(BootstrapTokenSecret.machineUid(s)))
            .toList();
    doomed.forEach(s -> delete(s, "its machine no longer needs it"));
    return doomed.stream().map(s -> s.getMetadata().getName()).toList();
  }

  private List<Secret> ofMachine(String machineUid) {
    return client
        .secrets()
        .inNamespace(BootstrapTokenSecret.NAMESPACE)
        .withLabel(BootstrapTokenSecret.MACHINE_UID_LABEL, machineUid)
        .list()
        .getItems();
  }

  private void delete(Secret s, String why) {
    client
        .secrets()
        .inNamespace(BootstrapTokenSecret.NAMESPACE)
        .withName(s.getMetadata().getName())
        .delete();
    deleted.add(s.getMetadata().getName());
    log.info("deleted bootstrap token {}: {}", s.getMetadata().getName(), why);
  }

  private static OwnerReference owner(NestedVirtInstance machine) {
    return new OwnerReferenceBuilder()
        .withApiVersion(machine.getApiVersion())
        .withKind(machine.getKind())
        .withName(machine.name())
        .withUid(machine.uid())
        .build();
  }

  @Override
  public synchronized void close() {
    SharedIndexInformer<Secret> i = informer;
    if (i != null) {
      i.close();
    }
  }
}
