package io.nestedvirt.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/**
 * CPU options besides nested virtualization, which the operator always enables. Absent fields keep
 * the instance type's defaults.
 */
public class CpuOptionsSpec {
  @JsonPropertyDescription("Number of CPU cores; must be valid for every listed instance type.")
  @Min(1)
  @Max(192)
  public Integer coreCount;

  @JsonPropertyDescription("Threads per core: 1 turns simultaneous multithreading off.")
  @Min(1)
  @Max(2)
  public Integer threadsPerCore;
}
