package io.nestedvirt.operator.e2e;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the eviction requests a client really sends, retries included: fabric8 calls an
 * interceptor's {@code before} for every attempt of a request.
 */
final class EvictionRequestCounter implements Interceptor {
  private final AtomicInteger sent = new AtomicInteger();

  /** A client for {@code config} whose eviction requests this counter sees. */
  KubernetesClient client(Config config) {
    return new KubernetesClientBuilder()
        .withConfig(config)
        .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("count-evictions", this))
        .build();
  }

  @Override
  public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
    if ("POST".equals(request.method()) && request.uri().getPath().endsWith("/eviction")) {
      sent.incrementAndGet();
    }
  }

  int sent() {
    return sent.get();
  }
}
