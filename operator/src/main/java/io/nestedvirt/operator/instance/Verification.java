package io.nestedvirt.operator.instance;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nestedvirt.operator.Durations;
import io.nestedvirt.operator.LogFields;
import io.nestedvirt.operator.events.EventReason;
import io.nestedvirt.operator.events.EventRecorder;
import io.nestedvirt.operator.launch.NodeTemplates;
import io.nestedvirt.operator.node.AgentHeartbeat;
import io.nestedvirt.operator.node.NodeConditions;
import io.nestedvirt.operator.node.NodeShape;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The verification step; owns the condition Verified. It is the gate: the bound node gets the
 * pool's labels and taints and keeps the startup taint until the node agent reports
 * NestedVirtualizationReady=True; then the taint goes and the label nestedvirt.io/kvm=verified
 * comes. A node whose verdict turns False is tainted again (liveness replaces it after the pool's
 * verificationGracePeriod); so is a node whose verdict the agent stopped renewing ({@link
 * AgentHeartbeat}): a stale True proves nothing, and the pool's repair replaces the node if it
 * stays so.
 */
final class Verification {
  private static final Logger log = LoggerFactory.getLogger(Verification.class);

  private final KubernetesClient client;
  private final EventRecorder events;
  private final AgentHeartbeat heartbeat;

  Verification(KubernetesClient client, EventRecorder events, AgentHeartbeat heartbeat) {
    this.client = client;
    this.events = events;
    this.heartbeat = heartbeat;
  }

  void reconcile(Machine m) {
    if (m.node == null) {
      return;
    }
    // The verdict as the node reported it; what a write returns may be older (a kubelet can report
    // between our read and our write).
    Node observed = m.node;
    boolean reported = NodeConditions.kvmVerified(observed);
    boolean stale = reported && heartbeat.isStale(observed, m.now);
    boolean verified = reported && !stale;
    if (verified) {
      // Nothing else wakes a Ready machine when the agent falls silent.
      heartbeat
          .staleAt(observed)
          .ifPresent(t -> m.requeueWithin(Duration.between(m.now, t).plusMillis(1)));
    }
    if (m.pool != null) {
      shape(m, verified);
    }
    if (stale) {
      String message =
          "verification lost: the node agent has not renewed "
              + NodeConditions.NESTED_VIRTUALIZATION_READY
              + " since "
              + NodeConditions.kvmHeartbeat(observed).orElseThrow()
              + " (it renews it every "
              + Durations.format(heartbeat.agentInterval())
              + "); startup taint back until it reports again";
      m.conditions.set(
          InstanceConditions.VERIFIED, false, InstanceReason.VerificationStale, message);
      if (m.conditions.transitioned(InstanceConditions.VERIFIED)) {
        events.warning(m.object, EventReason.VerificationStale, message);
      }
    } else if (verified) {
      m.conditions.set(
          InstanceConditions.VERIFIED,
          true,
          InstanceReason.KvmVerified,
          NodeConditions.kvmMessage(observed));
    } else if (NodeConditions.isFalse(observed, NodeConditions.NESTED_VIRTUALIZATION_READY)) {
      boolean wasVerified = m.conditions.isTrue(InstanceConditions.VERIFIED);
      m.conditions.set(
          InstanceConditions.VERIFIED,
          false,
          InstanceReason.VerificationFailed,
          (wasVerified ? "verification lost: " : "") + NodeConditions.kvmMessage(observed));
    } else {
      m.conditions.unknown(
          InstanceConditions.VERIFIED,
          InstanceReason.AwaitingVerification,
          "waiting for the node agent's KVM probe");
    }
  }

  /** Labels and taints on the node; the startup taint follows the KVM verdict. */
  private void shape(Machine m, boolean verified) {
    Node before = m.node;
    var shaped =
        NodeShape.reshape(
            before,
            m.pool.name(),
            NodeTemplates.labels(m.pool.getSpec()),
            NodeTemplates.taints(m.pool.getSpec()),
            verified);
    if (shaped.isEmpty()) {
      return;
    }
    String name = before.getMetadata().getName();
    try (var mdc = MDC.putCloseable(LogFields.INSTANCE, m.instanceId())) {
      Node written = client.nodes().resource(shaped.get()).update();
      m.node = written;
      if (NodeShape.isVerified(written) && !NodeShape.isVerified(before)) {
        events.normal(
            m.object,
            EventReason.NodeVerified,
            "node "
                + name
                + " ("
                + m.instanceId()
                + ") verified: "
                + NodeConditions.kvmMessage(written)
                + "; startup taint removed");
      } else {
        log.info(
            "machine {}: node {} ({}) labelled and tainted for pool {}{}",
            m.name(),
            name,
            m.instanceId(),
            m.pool.name(),
            verified ? "" : ", awaiting KVM verification");
      }
    } catch (KubernetesClientException e) {
      // A conflict means the node changed under us; the next reconcile sees the new version.
      log.info("machine {}: node {} not updated yet: {}", m.name(), name, e.getMessage());
      m.requeueWithin(Duration.ofSeconds(2));
    }
  }
}
