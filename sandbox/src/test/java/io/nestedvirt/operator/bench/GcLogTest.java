package io.nestedvirt.operator.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The bench's readers of the GC log and of the chart's memory settings. */
class GcLogTest {
  @Test
  void pausesAndCollectorCpuAreReadFromSerialAndG1Lines() {
    GcLog log =
        GcLog.parse(
            List.of(
                "[0.004s][info][gc] Using Serial",
                "[1.210s][info][gc] GC(0) Pause Young (Allocation Failure) 33M->6M(123M) 12.345ms",
                "[1.210s][info][gc,cpu] GC(0) User=0.01s Sys=0.00s Real=0.01s",
                "[9.870s][info][gc] GC(1) Pause Full (System.gc()) 80M->41M(123M) 150.000ms",
                "[9.870s][info][gc,cpu] GC(1) User=0.14s Sys=0.01s Real=0.15s",
                "[11.000s][info][gc] GC(2) Pause Young (Normal) (G1 Evacuation Pause) 50M->20M(128M)"
                    + " 3.5ms"));

    assertThat(log.collector()).isEqualTo("Serial");
    assertThat(log.pausesMs()).containsExactly(12.345, 150.0, 3.5);
    assertThat(log.gcCpuSeconds()).isEqualTo(0.16, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(log.pausePercentileMs(99)).isEqualTo(150.0);
    assertThat(log.pausePercentileMs(50)).isEqualTo(12.345);
  }

  @Test
  void theChartsMemorySettingsBecomeTheContainersJvmOptions() throws Exception {
    ChartMemory chart = ChartMemory.read();

    assertThat(chart.limitMiB()).isPositive();
    assertThat(chart.asJvmOptions().getFirst()).isEqualTo("-XX:MaxRAM=" + chart.limitMiB() + "m");
    assertThat(chart.asJvmOptions()).anyMatch(o -> o.startsWith("-XX:MaxRAMPercentage="));
    assertThat(ChartMemory.mebibytes("1Gi")).isEqualTo(1024);
  }
}
