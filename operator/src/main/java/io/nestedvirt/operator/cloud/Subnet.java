package io.nestedvirt.operator.cloud;

/** A subnet and the availability zone it lives in. */
public record Subnet(String id, String zone, int availableIpAddresses) {}
