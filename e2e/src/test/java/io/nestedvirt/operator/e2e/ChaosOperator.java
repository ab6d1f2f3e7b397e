package io.nestedvirt.operator.e2e;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The operator jar's {@code run} as one pod's container would run it, killed with SIGKILL at random
 * and restarted at once, as a kubelet restarts a crashed container. Every incarnation has the same
 * identity ({@code HOSTNAME}, as a restarted container keeps its pod's name), so with leader
 * election on (production's default timings) a restart takes its own lease back at once instead of
 * waiting 15 s for it to expire: the tier measures the operator's recovery, not the lease's.
 *
 * <p>Settings are production's (refresh period 30 s, server-side apply, leader election, JSON logs)
 * except {@code --launch-grace}, which the tier shortens so that the garbage collector acts within
 * the run. Every incarnation appends to one log.
 *
 * <p>Kills are of three kinds: at a random moment of an incarnation's life (during its start, or a
 * random time after it leads), and {@link #killSoon} on a moment a test observes (a launch EC2 has
 * applied, an eviction).
 */
final class ChaosOperator implements AutoCloseable {
  static final String IDENTITY = "nestedvirt-operator-0";

  /** Longer than the refresh period (30 s) plus the listing lag (5 s), as the option demands. */
  static final Duration LAUNCH_GRACE = Duration.ofSeconds(40);

  static final Duration REFRESH_PERIOD = Duration.ofSeconds(30);

  private final E2EEnvironment env;
  private final Path kubeconfig;
  private final URI ec2;
  private final String cluster;
  private final Random random;
  private final Thread supervisor;
  private final Object lock = new Object();

  final Path log;

  /** Kills by why they happened. */
  final Map<String, AtomicInteger> kills = new ConcurrentHashMap<>();

  final AtomicInteger starts = new AtomicInteger();

  private volatile Process process;
  private long logOffset;
  private volatile boolean killing;
  private volatile boolean closed;

  /** When the current incarnation should die (System.nanoTime); Long.MAX_VALUE: no kill planned. */
  private long killAt = Long.MAX_VALUE;

  /** A kill planned this long after the incarnation leads; negative when none. */
  private long afterLeadingMillis = -1;

  private String killReason;

  /** How far the log has been read, and whether the current incarnation has said it leads. */
  private long scanned;

  private volatile boolean led;

  /**
   * The JVM's AOT cache (JEP 483/514), trained by the first incarnation: a restart loads and links
   * its classes from it, so that 100 kills fit into a few minutes on two cores. A start-up aid
   * only, as a container image may ship one; the operator runs unchanged.
   */
  private final Path aotCache;

  private boolean trained;

  ChaosOperator(E2EEnvironment env, Path kubeconfig, URI ec2, String cluster, long seed)
      throws IOException {
    this.env = env;
    this.kubeconfig = kubeconfig;
    this.ec2 = ec2;
    this.cluster = cluster;
    this.random = new Random(seed);
    this.log = env.logs().resolve("chaos-operator.log");
    this.aotCache = env.logs().resolve("operator.aot");
    Files.deleteIfExists(log);
    Files.deleteIfExists(aotCache);
    start();
    supervisor = Thread.ofPlatform().daemon().name("chaos-supervisor").start(this::supervise);
    // Even if the test JVM is stopped: no operator outlives it.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  closed = true;
                  Process p = process;
                  if (p != null) {
                    p.destroyForcibly();
                  }
                }));
  }

  /**
   * Random kills on or off; kills planned on observed moments are dropped while off. The first time
   * kills go on, the incarnation that ran so far (the training run) is stopped with SIGTERM, so
   * that the JVM writes its AOT cache, which every later start uses.
   */
  void killing(boolean on) throws InterruptedException, IOException {
    synchronized (lock) {
      if (on && !trained) {
        trained = true;
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor();
        }
        start();
      }
      killing = on;
      killAt = Long.MAX_VALUE;
      afterLeadingMillis = -1;
      if (on) {
        planKill();
      }
    }
  }

  boolean killing() {
    return killing;
  }

  /** Kills within {@code within} (a random part of it), when kills are on. */
  void killSoon(Duration within, String reason) {
    killBetween(Duration.ZERO, within, reason);
  }

  /** Kills between {@code from} and {@code to} from now (a random moment), when kills are on. */
  void killBetween(Duration from, Duration to, String reason) {
    synchronized (lock) {
      if (!killing) {
        return;
      }
      long at =
          System.nanoTime()
              + from.toNanos()
              + (long) (random.nextDouble() * to.minus(from).toNanos());
      if (at < killAt) {
        killAt = at;
        killReason = reason;
      }
    }
  }

  int totalKills() {
    return kills.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  /** Whether the current incarnation has said that it leads. */
  boolean leads() {
    return led;
  }

  /** Reads what the current incarnation logged since the last look. */
  private void scanLog() throws IOException {
    try (java.io.RandomAccessFile file = new java.io.RandomAccessFile(log.toFile(), "r")) {
      long end = file.length();
      if (end <= scanned) {
        return;
      }
      // Back a little, so a line split between two looks is still found.
      long from = Math.max(logOffset, scanned - 200);
      byte[] bytes = new byte[(int) (end - from)];
      file.seek(from);
      file.readFully(bytes);
      scanned = end;
      if (new String(bytes, StandardCharsets.UTF_8).contains(IDENTITY + " leads (lease")) {
        led = true;
      }
    }
  }

  /**
   * A random moment of the incarnation's life: a fifth die while starting (within 3 s of the
   * start), the others up to 3 s after they lead.
   */
  private void planKill() {
    boolean early = random.nextDouble() < 0.2;
    long delay = (long) (random.nextDouble() * 3_000);
    killReason = early ? "while starting" : "while leading";
    if (early) {
      killAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delay);
      afterLeadingMillis = -1;
    } else {
      killAt = Long.MAX_VALUE;
      afterLeadingMillis = delay;
    }
  }

  private void supervise() {
    while (!closed) {
      try {
        Thread.sleep(50);
        synchronized (lock) {
          if (closed) {
            return;
          }
          scanLog();
          if (afterLeadingMillis >= 0 && led) {
            // Planned relative to leading: now it leads, so the clock starts.
            long at = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(afterLeadingMillis);
            afterLeadingMillis = -1;
            if (at < killAt) {
              killAt = at;
            }
          }
          if (killing && System.nanoTime() >= killAt) {
            process.destroyForcibly().waitFor();
            kills.computeIfAbsent(killReason, k -> new AtomicInteger()).incrementAndGet();
            start();
            planKill();
          } else if (!process.isAlive()) {
            // It ended by itself (a start that failed, or a lost lease): restart it as a kubelet
            // would; the log says why it ended.
            start();
            if (killing) {
              planKill();
            }
          }
        }
      } catch (InterruptedException e) {
        return;
      } catch (IOException e) {
        throw new IllegalStateException("cannot restart the operator", e);
      }
    }
  }

  private void start() throws IOException {
    synchronized (lock) {
      logOffset = Files.exists(log) ? Files.size(log) : 0;
      scanned = logOffset;
      led = false;
      killAt = Long.MAX_VALUE;
      afterLeadingMillis = -1;
      List<String> command = new ArrayList<>(env.operatorCommand("run"));
      // C1 only: on two shared cores the C2 compiler's work outlives most incarnations.
      command.add(1, "-XX:TieredStopAtLevel=1");
      command.add(1, trained ? "-XX:AOTCache=" + aotCache : "-XX:AOTCacheOutput=" + aotCache);
      command.addAll(
          List.of(
              "--cluster-name",
              cluster,
              "--region",
              Moto.REGION,
              "--endpoint-url",
              ec2.toString(),
              "--kubernetes-version",
              "1.34",
              // Placeholders: the simulated kubelets read the NodeConfig but never connect.
              "--cluster-endpoint",
              "https://" + cluster + ".cluster.local",
              "--cluster-ca",
              Base64.getEncoder().encodeToString("chaos CA".getBytes(StandardCharsets.UTF_8)),
              "--service-cidr",
              "10.100.0.0/16",
              "--launch-grace",
              LAUNCH_GRACE.toSeconds() + "s",
              "--metrics-port",
              "0",
              "--log-format",
              "json"));
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(Redirect.appendTo(log.toFile()));
      builder.environment().put("KUBECONFIG", kubeconfig.toString());
      builder.environment().put("AWS_ACCESS_KEY_ID", "test");
      builder.environment().put("AWS_SECRET_ACCESS_KEY", "test");
      builder.environment().remove("AWS_PROFILE");
      builder.environment().put("HOSTNAME", IDENTITY);
      process = builder.start();
      starts.incrementAndGet();
    }
  }

  @Override
  public void close() throws InterruptedException {
    closed = true;
    supervisor.interrupt();
    supervisor.join(10_000);
    synchronized (lock) {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }
}
