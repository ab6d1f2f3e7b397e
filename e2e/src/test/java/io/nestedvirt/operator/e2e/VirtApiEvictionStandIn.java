package io.nestedvirt.operator.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponseBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReviewBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.Eviction;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * <b>Stand-in</b> for KubeVirt's virt-api eviction interceptor (the webhook {@code
 * virt-launcher-eviction-interceptor.kubevirt.io}), written from KubeVirt v1.9's
 * pod-eviction-admitter.go and webhooks.go, not copied. Served over HTTPS on 127.0.0.1 with a
 * certificate made for the test ({@link LoopbackTls}) and registered through a real {@code
 * ValidatingWebhookConfiguration}, so the real API server calls it for every eviction of a pod
 * whose name starts with {@code virt-launcher} (KubeVirt's match condition) before its own PDB
 * checks.
 *
 * <p>For a {@code kubevirt.io: virt-launcher} pod that has not completed, with its VMI named by the
 * {@code kubevirt.io/domain} annotation: LiveMigrate and not migratable is refused (429, "is
 * configured with an eviction strategy but is not live-migratable"); LiveMigrate,
 * LiveMigrateIfPossible when migratable, and External mark the VMI ({@code
 * status.evacuationNodeName} = the pod's node, a JSON patch, dry run when the eviction is one) and
 * answer 429 "Eviction triggered evacuation of VMI", or 429 "Evacuation in progress: ..." when it
 * is already marked; anything else is allowed and the real Eviction API goes on. Left out: hotplug
 * volume pods, the descheduler's annotation, KubeVirt's own PDB-free bookkeeping.
 */
final class VirtApiEvictionStandIn implements AutoCloseable {
  static final String CONFIGURATION = "virt-api-stand-in";
  static final String WEBHOOK = "virt-launcher-eviction-interceptor.kubevirt.io";
  static final String PATH = "/pod-eviction-validate";

  private final KubernetesClient client;
  private final HttpsServer server;

  /** Each answer it gave, as "ns/pod: allowed" or "ns/pod: 429 message", in order. */
  final List<String> answers = new CopyOnWriteArrayList<>();

  /** What went wrong while serving; a test asserts that it stays empty. */
  final List<String> failures = new CopyOnWriteArrayList<>();

  VirtApiEvictionStandIn(KubernetesClient client) throws IOException, InterruptedException {
    this.client = client;
    LoopbackTls tls = LoopbackTls.generate();
    server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(tls.serverContext()));
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext(PATH, this::serve);
    server.start();
    client.resource(configuration(server.getAddress().getPort(), tls.caBundle())).create();
    awaitCalled();
  }

  /**
   * Waits until the API server calls it: the API server reads webhook configurations from a cache,
   * so the first evictions after the registration could go by unseen. A probe eviction of a pod
   * that does not exist reaches the webhook (admission comes before the pod is looked up) and then
   * answers 404.
   */
  private void awaitCalled() throws InterruptedException {
    String probe = KubeVirtObjects.LAUNCHER + "-probe";
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    while (answers.stream().noneMatch(a -> a.startsWith("default/" + probe + ":"))) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the API server never called the eviction stand-in");
      }
      try {
        client
            .pods()
            .inNamespace("default")
            .withName(probe)
            .evict(
                new io.fabric8.kubernetes.api.model.policy.v1.EvictionBuilder()
                    .withNewMetadata()
                    .withNamespace("default")
                    .withName(probe)
                    .endMetadata()
                    .build());
      } catch (KubernetesClientException expected) {
        // 404 once the webhook allowed it; a webhook not yet known gives the same answer
      }
      Thread.sleep(100);
    }
  }

  /**
   * As KubeVirt's virt-operator registers it (webhooks.go): all operations on pods/eviction, only
   * for names starting with virt-launcher, sideEffects NoneOnDryRun, admission review v1, and
   * failurePolicy Fail (KubeVirt's code sets Fail although its comment there says it does not want
   * to block evictions when the webhook is down). A URL on loopback instead of virt-api's Service.
   */
  private static ValidatingWebhookConfiguration configuration(int port, String caBundle) {
    return new ValidatingWebhookConfigurationBuilder()
        .withNewMetadata()
        .withName(CONFIGURATION)
        .endMetadata()
        .addNewWebhook()
        .withName(WEBHOOK)
        .withAdmissionReviewVersions("v1")
        .withFailurePolicy("Fail")
        .withTimeoutSeconds(10)
        .withSideEffects("NoneOnDryRun")
        .addNewRule()
        .withOperations("*")
        .withApiGroups("")
        .withApiVersions("v1")
        .withResources("pods/eviction")
        .endRule()
        .addNewMatchCondition()
        .withName("only-vms")
        .withExpression("object.metadata.name.startsWith(\"virt-launcher\")")
        .endMatchCondition()
        .withNewClientConfig()
        .withUrl("https://127.0.0.1:" + port + PATH)
        .withCaBundle(caBundle)
        .endClientConfig()
        .endWebhook()
        .build();
  }

  private void serve(HttpExchange exchange) throws IOException {
    AdmissionReview review;
    AdmissionResponse response;
    try (exchange) {
      try {
        review =
            Serialization.unmarshal(
                new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8),
                AdmissionReview.class);
        response = admit(review.getRequest());
      } catch (RuntimeException e) {
        failures.add(e.toString());
        exchange.sendResponseHeaders(500, -1);
        return;
      }
      response.setUid(review.getRequest().getUid());
      answers.add(
          review.getRequest().getNamespace()
              + "/"
              + review.getRequest().getName()
              + ": "
              + (response.getAllowed()
                  ? "allowed"
                  : response.getStatus().getCode() + " " + response.getStatus().getMessage()));
      byte[] body =
          Serialization.asJson(
                  new AdmissionReviewBuilder()
                      .withApiVersion("admission.k8s.io/v1")
                      .withKind("AdmissionReview")
                      .withResponse(response)
                      .build())
              .getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private AdmissionResponse admit(AdmissionRequest request) {
    Pod pod = client.pods().inNamespace(request.getNamespace()).withName(request.getName()).get();
    if (pod == null || !isLauncher(pod) || isCompleted(pod)) {
      return allowed();
    }
    Map<String, String> annotations = pod.getMetadata().getAnnotations();
    String vmiName =
        annotations == null ? null : annotations.get(KubeVirtObjects.DOMAIN_ANNOTATION);
    if (vmiName == null) {
      return allowed();
    }
    var vmiResource =
        KubeVirtObjects.vmis(client).inNamespace(request.getNamespace()).withName(vmiName);
    GenericKubernetesResource vmi = vmiResource.get();
    if (vmi == null) {
      return denied("kubevirt failed getting the vmi: " + vmiName + " not found");
    }
    Optional<String> strategy =
        KubeVirtObjects.evictionStrategy(vmi, KubeVirtObjects.configuration(client));
    if (strategy.isEmpty()) {
      return allowed();
    }
    boolean migratable = KubeVirtObjects.migratable(vmi);
    if (strategy.get().equals("LiveMigrate") && !migratable) {
      return denied(
          "VMI " + vmiName + " is configured with an eviction strategy but is not live-migratable");
    }
    boolean mark =
        switch (strategy.get()) {
          case "LiveMigrate", "External" -> true;
          case "LiveMigrateIfPossible" -> migratable;
          default -> false;
        };
    if (!mark) {
      return allowed();
    }
    String evacuation =
        "Eviction triggered evacuation of VMI \"" + request.getNamespace() + "/" + vmiName + "\"";
    if (KubeVirtObjects.evacuationNode(vmi).isPresent()) {
      return denied("Evacuation in progress: " + evacuation);
    }
    String podNode = pod.getSpec().getNodeName();
    if (!java.util.Objects.equals(KubeVirtObjects.nodeOf(vmi), podNode)) {
      return denied("Eviction request for target Pod");
    }
    boolean dryRun = Boolean.TRUE.equals(request.getDryRun()) || dryRunInBody(request);
    try {
      KubeVirtObjects.jsonPatch(
          vmiResource,
          Serialization.asJson(
              List.of(Map.of("op", "add", "path", "/status/evacuationNodeName", "value", podNode))),
          dryRun);
    } catch (KubernetesClientException e) {
      return denied("kubevirt failed marking the vmi for eviction: " + e.getMessage());
    }
    return denied(evacuation);
  }

  /** An eviction whose own delete options ask for a dry run (kubectl drain --dry-run=server). */
  private static boolean dryRunInBody(AdmissionRequest request) {
    Object raw = request.getObject();
    if (raw == null) {
      return false;
    }
    Eviction eviction =
        raw instanceof Eviction e
            ? e
            : Serialization.unmarshal(Serialization.asJson(raw), Eviction.class);
    return eviction.getDeleteOptions() != null
        && eviction.getDeleteOptions().getDryRun() != null
        && eviction.getDeleteOptions().getDryRun().contains("All");
  }

  static boolean isLauncher(Pod pod) {
    Map<String, String> labels = pod.getMetadata().getLabels();
    return labels != null && KubeVirtObjects.LAUNCHER.equals(labels.get(KubeVirtObjects.APP_LABEL));
  }

  static boolean isCompleted(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }

  private static AdmissionResponse allowed() {
    return new AdmissionResponseBuilder().withAllowed(true).build();
  }

  private static AdmissionResponse denied(String message) {
    return new AdmissionResponseBuilder()
        .withAllowed(false)
        .withStatus(
            new io.fabric8.kubernetes.api.model.StatusBuilder()
                .withCode(429)
                .withMessage(message)
                .build())
        .build();
  }

  @Override
  public void close() {
    client
        .admissionRegistration()
        .v1()
        .validatingWebhookConfigurations()
        .withName(CONFIGURATION)
        .delete();
    server.stop(0);
  }
}
