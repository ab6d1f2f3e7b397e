package io.nestedvirt.operator.agent.kvm;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Measures the KVM probe; a program, not a test (run it with {@code bench/kvm-probe.sh}).
 *
 * <ul>
 *   <li>cold: a new JVM per check, {@code java -jar nestedvirt-operator.jar kvm-check --json}, from
 *       process start to exit, and the probe's own {@code elapsedMillis} inside it;
 *   <li>warm: {@link KvmProbe#run} again and again in this JVM after a warm-up.
 * </ul>
 *
 * <p>Arguments (all optional): {@code --jar PATH --device PATH --cold N --warmup N --warm N}.
 */
public final class KvmProbeBenchmark {
  private static final Pattern ELAPSED = Pattern.compile("\"elapsedMillis\":([0-9.]+)");

  private KvmProbeBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path jar = Path.of("operator/target/nestedvirt-operator.jar");
    Path device = KvmProbe.DEFAULT_DEVICE;
    int cold = 20;
    int warmup = 500;
    int warm = 2000;
    for (int i = 0; i < args.length; i += 2) {
      String value = args[i + 1];
      switch (args[i]) {
        case "--jar" -> jar = Path.of(value);
        case "--device" -> device = Path.of(value);
        case "--cold" -> cold = Integer.parseInt(value);
        case "--warmup" -> warmup = Integer.parseInt(value);
        case "--warm" -> warm = Integer.parseInt(value);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (!Files.isRegularFile(jar)) {
      throw new IllegalArgumentException(jar + " does not exist; build it with ./mvnw package");
    }

    ProbeResult first = KvmProbe.run(device);
    if (!first.ok()) {
      System.err.println("kvm-probe benchmark: the probe fails here: " + first.message());
      System.exit(1);
    }
    System.out.printf(
        "KVM probe on %s: backend %s, CPU flag %s, %d cores, %s %s%n",
        device,
        first.backend(),
        first.cpuFlag(),
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.vm.name"),
        System.getProperty("java.version"));

    double[] coldWall = new double[cold];
    double[] coldProbe = new double[cold];
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    for (int i = 0; i < cold; i++) {
      long start = System.nanoTime();
      Process p =
          new ProcessBuilder(
                  java,
                  "-jar",
                  jar.toString(),
                  "kvm-check",
                  "--json",
                  "--device",
                  device.toString())
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int code = p.waitFor();
      coldWall[i] = (System.nanoTime() - start) / 1e6;
      Matcher m = ELAPSED.matcher(out);
      if (code != 0 || !m.find()) {
        throw new IllegalStateException("kvm-check exited " + code + ": " + out);
      }
      coldProbe[i] = Double.parseDouble(m.group(1));
    }

    for (int i = 0; i < warmup; i++) {
      check(KvmProbe.run(device));
    }
    double[] warmWall = new double[warm];
    double[] warmProbe = new double[warm];
    for (int i = 0; i < warm; i++) {
      long start = System.nanoTime();
      ProbeResult result = KvmProbe.run(device);
      warmWall[i] = (System.nanoTime() - start) / 1e6;
      check(result);
      warmProbe[i] = result.elapsed().toNanos() / 1e6;
    }

    System.out.printf("%-44s %6s %9s %9s %9s%n", "", "runs", "p50 ms", "p99 ms", "max ms");
    print("cold: process start to exit (kvm-check)", coldWall);
    print("cold: probe inside that JVM (elapsedMillis)", coldProbe);
    print("warm: KvmProbe.run, wall", warmWall);
    print("warm: probe elapsed (open to last close)", warmProbe);
    if (cold < 100) {
      System.out.println("(with fewer than 100 cold runs, cold p99 is the maximum)");
    }
  }

  private static void check(ProbeResult result) {
    if (!result.ok()) {
      throw new IllegalStateException("probe failed during the benchmark: " + result.message());
    }
  }

  private static void print(String what, double[] millis) {
    double[] sorted = millis.clone();
    Arrays.sort(sorted);
    System.out.printf(
        Locale.ROOT,
        "%-44s %6d %9.3f %9.3f %9.3f%n",
        what,
        sorted.length,
        percentile(sorted, 0.50),
        percentile(sorted, 0.99),
        sorted[sorted.length - 1]);
  }

  /** Nearest rank: the smallest sample with at least {@code p} of the samples at or below it. */
  private static double percentile(double[] sorted, double p) {
    int rank = (int) Math.ceil(p * sorted.length);
    return sorted[Math.max(0, rank - 1)];
  }
}
