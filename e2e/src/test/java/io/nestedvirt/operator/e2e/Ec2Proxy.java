package io.nestedvirt.operator.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test's hand between the operator and moto: it forwards every EC2 request, except that it can
 * hold RunInstances (never sent to EC2: the operator dies before calling it, as far as EC2 can
 * tell) or forward RunInstances and keep EC2's answer (the operator dies before it hears it). The
 * operator points its {@code --endpoint-url} here; the test kills it while a request hangs.
 */
final class Ec2Proxy implements AutoCloseable {
  /** What happens to RunInstances. */
  enum Mode {
    FORWARD,
    HOLD_REQUEST,
    KEEP_ANSWER
  }

  /** Headers the JDK's HTTP client sets itself and refuses to be given. */
  private static final Set<String> RESTRICTED =
      Set.of("host", "content-length", "connection", "expect", "upgrade", "transfer-encoding");

  private final URI target;
  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final HttpClient http = HttpClient.newHttpClient();
  private final CountDownLatch released = new CountDownLatch(1);
  private volatile Mode mode = Mode.FORWARD;

  /** RunInstances requests that reached the proxy, and those it sent on to EC2. */
  final AtomicInteger runInstancesSeen = new AtomicInteger();

  final AtomicInteger runInstancesForwarded = new AtomicInteger();

  Ec2Proxy(URI target) throws IOException {
    this.target = target;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(threads);
    server.createContext("/", this::handle);
    server.start();
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  void mode(Mode mode) {
    this.mode = mode;
  }

  private void handle(HttpExchange exchange) throws IOException {
    byte[] body;
    try (InputStream in = exchange.getRequestBody()) {
      body = in.readAllBytes();
    }
    boolean runInstances = new String(body, StandardCharsets.UTF_8).contains("Action=RunInstances");
    Mode now = runInstances ? mode : Mode.FORWARD;
    if (runInstances) {
      runInstancesSeen.incrementAndGet();
    }
    if (now == Mode.HOLD_REQUEST) {
      hang(exchange);
      return;
    }
    HttpResponse<byte[]> answer;
    try {
      answer = forward(exchange, body);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      exchange.close();
      return;
    }
    if (runInstances) {
      runInstancesForwarded.incrementAndGet();
    }
    if (now == Mode.KEEP_ANSWER) {
      hang(exchange);
      return;
    }
    answer
        .headers()
        .map()
        .forEach(
            (name, values) -> {
              if (!RESTRICTED.contains(name.toLowerCase()) && !name.startsWith(":")) {
                exchange.getResponseHeaders().put(name, values);
              }
            });
    exchange.sendResponseHeaders(answer.statusCode(), answer.body().length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(answer.body());
    }
  }

  private HttpResponse<byte[]> forward(HttpExchange exchange, byte[] body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(target.resolve(exchange.getRequestURI().toString()))
            .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
    for (Map.Entry<String, List<String>> header : exchange.getRequestHeaders().entrySet()) {
      if (!RESTRICTED.contains(header.getKey().toLowerCase())) {
        header.getValue().forEach(v -> request.header(header.getKey(), v));
      }
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /** Answers nothing until the proxy closes; the caller's connection stays open. */
  private void hang(HttpExchange exchange) {
    try {
      released.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    exchange.close();
  }

  @Override
  public void close() {
    released.countDown();
    server.stop(0);
    threads.shutdownNow();
    http.close();
  }
}
