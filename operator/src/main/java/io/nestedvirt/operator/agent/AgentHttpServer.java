package io.nestedvirt.operator.agent;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/** /healthz, /readyz and /metrics (Prometheus) on one port. */
public final class AgentHttpServer implements AutoCloseable {
  private final HttpServer server;

  public AgentHttpServer(int port, PrometheusMeterRegistry metrics, BooleanSupplier ready) {
    try {
      server = HttpServer.create(new InetSocketAddress(port), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on port " + port, e);
    }
    server.createContext("/healthz", x -> reply(x, 200, "ok\n", "text/plain"));
    server.createContext(
        "/readyz",
        x ->
            reply(
                x,
                ready.getAsBoolean() ? 200 : 503,
                ready.getAsBoolean() ? "ok\n" : "no verdict written yet\n",
                "text/plain"));
    server.createContext(
        "/metrics",
        x -> reply(x, 200, metrics.scrape(), "text/plain; version=0.0.4; charset=utf-8"));
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
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
  }
}
