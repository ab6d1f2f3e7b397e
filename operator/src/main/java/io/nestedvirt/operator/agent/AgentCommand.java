package io.nestedvirt.operator.agent;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nestedvirt.operator.Durations;
import io.nestedvirt.operator.LoggingOptions;
import io.nestedvirt.operator.agent.kvm.KvmProbe;
import io.nestedvirt.operator.metrics.MetricsServer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code agent}: the node agent, run by the DaemonSet on every pool node. */
@Command(
    name = "agent",
    mixinStandardHelpOptions = true,
    description =
        "Probe KVM on this node at start and periodically, and write the Node condition"
            + " NestedVirtualizationReady.")
public final class AgentCommand implements Callable<Integer> {
  @Option(
      names = "--node-name",
      defaultValue = "${env:NODE_NAME}",
      description = "This node's name (default: $NODE_NAME, from the downward API).")
  String nodeName;

  @Option(
      names = "--device",
      defaultValue = "/dev/kvm",
      description = "The KVM device (default: ${DEFAULT-VALUE}).")
  Path device;

  @Option(
      names = "--interval",
      defaultValue = "5m",
      converter = Durations.class,
      description = "How often to probe again (default: ${DEFAULT-VALUE}).")
  Duration interval;

  @Option(
      names = "--port",
      defaultValue = "8081",
      description = "Port of /healthz, /readyz and /metrics (default: ${DEFAULT-VALUE}).")
  int port;

  @Mixin LoggingOptions logging;

  @Override
  public Integer call() throws InterruptedException {
    if (nodeName == null || nodeName.isBlank()) {
      System.err.println("error: no node name: pass --node-name or set NODE_NAME");
      return 2;
    }
    KubernetesClient client = new KubernetesClientBuilder().build();
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    NodeAgent agent =
        new NodeAgent(
                () ->
                    ProbeVerdicts.withDeadline(
                        () -> ProbeVerdicts.of(KvmProbe.run(device)), Duration.ofSeconds(30)),
                new NodeConditionWriter(client),
                nodeName,
                interval,
                Clock.systemUTC(),
                metrics)
            .start();
    MetricsServer http =
        new MetricsServer(port, metrics::scrape, MetricsServer.Check.ALWAYS, agent::readiness);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  http.close();
                  agent.close();
                  client.close();
                  stopped.countDown();
                }));
    stopped.await();
    return 0;
  }
}
