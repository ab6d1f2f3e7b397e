package io.nestedvirt.operator.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * {@code /metrics} (Prometheus text), {@code /healthz} (liveness) and {@code /readyz} (readiness)
 * on one port, for the operator and the node agent alike. A probe answers 200 "ok", or 503 with the
 * problem, so that {@code kubectl describe pod} shows why a probe fails.
 */
public final class MetricsServer implements AutoCloseable {
  private static final String TEXT = "text/plain; charset=utf-8";
  private static final String PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8";

  /** A probe: empty when fine, else what is wrong. */
  @FunctionalInterface
  public interface Check extends Supplier<Optional<String>> {
    Check ALWAYS = Optional::empty;
  }

  private final HttpServer server;
  private final ExecutorService threads;

  /**
   * @param port 0 for any free port (see {@link #port()})
   * @param scrape the Prometheus exposition, read on each request
   */
  public MetricsServer(int port, Supplier<String> scrape, Check health, Check ready) {
    try {
      server = HttpServer.create(new InetSocketAddress(port), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on port " + port + ": " + e.getMessage(), e);
    }
    server.createContext("/healthz", x -> probe(x, health));
    server.createContext("/readyz", x -> probe(x, ready));
    server.createContext("/metrics", x -> reply(x, 200, scrape.get(), PROMETHEUS));
    // A scrape or probe must not wait behind another: a few threads, named for thread dumps.
    threads =
        Executors.newFixedThreadPool(
            2, r -> Thread.ofPlatform().daemon().name("metrics-http").unstarted(r));
    server.setExecutor(threads);
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void probe(HttpExchange exchange, Check check) throws IOException {
    Optional<String> problem = check.get();
    if (problem.isEmpty()) {
      reply(exchange, 200, "ok\n", TEXT);
    } else {
      reply(exchange, 503, problem.get() + "\n", TEXT);
    }
  }

  private static void reply(HttpExchange exchange, int code, String body, String type)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
