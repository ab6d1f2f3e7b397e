package io.nestedvirt.sandbox;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nestedvirt.operator.agent.KvmVerdict;
import io.nestedvirt.operator.agent.NodeAgent;
import io.nestedvirt.operator.agent.NodeConditionWriter;
import io.nestedvirt.operator.node.NodeConditions;
import io.nestedvirt.operator.node.ProviderIds;
import io.nestedvirt.sandbox.ec2.Ec2Emulator;
import io.nestedvirt.sandbox.ec2.EmulatedInstance;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Runs the node agent's logic for the sandbox's simulated nodes: one agent per Node, each writing
 * NestedVirtualizationReady from its probe, exactly as the DaemonSet's agents do. The probe is
 * supplied per instance (the real KVM probe on this host's /dev/kvm, or a device that does not
 * exist for an instance launched without nested virtualization, or a plainly simulated verdict
 * where the host has no KVM). A node whose agent reported {@code NestedVirtualizationReady=True} is
 * passed to {@code onVerified} (by instance id), so that the add-ons the kubelet simulator plays
 * start there.
 */
final class SandboxAgents implements AutoCloseable {
  private final Map<String, NodeAgent> agents = new ConcurrentHashMap<>();
  private final SharedIndexInformer<Node> informer;

  SandboxAgents(
      KubernetesClient client,
      Ec2Emulator ec2,
      Function<EmulatedInstance, KvmVerdict> probe,
      Duration interval,
      Consumer<String> onVerified) {
    NodeConditionWriter writer = new NodeConditionWriter(client);
    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    informer =
        client
            .nodes()
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Node node) {
                    // A DaemonSet pod runs once the kubelet is up: start with a Ready node.
                    if (!NodeConditions.isReady(node)) {
                      return;
                    }
                    instanceOf(node, ec2)
                        .ifPresent(
                            instance ->
                                agents.computeIfAbsent(
                                    node.getMetadata().getName(),
                                    name ->
                                        new NodeAgent(
                                                () -> probe.apply(instance),
                                                writer,
                                                name,
                                                interval,
                                                Clock.systemUTC(),
                                                metrics)
                                            .start()));
                  }

                  @Override
                  public void onUpdate(Node before, Node after) {
                    onAdd(after);
                    if (NodeConditions.kvmVerified(after)) {
                      ProviderIds.instanceId(after).ifPresent(onVerified);
                    }
                  }

                  @Override
                  public void onDelete(Node node, boolean unknownFinalState) {
                    NodeAgent agent = agents.remove(node.getMetadata().getName());
                    if (agent != null) {
                      agent.close();
                    }
                  }
                });
  }

  private static Optional<EmulatedInstance> instanceOf(Node node, Ec2Emulator ec2) {
    return ProviderIds.instanceId(node)
        .flatMap(id -> ec2.instances().stream().filter(i -> i.id().equals(id)).findFirst());
  }

  @Override
  public void close() {
    informer.close();
    agents.values().forEach(NodeAgent::close);
  }
}
