package io.nestedvirt.operator.agent;

/**
 * What the node agent concludes about KVM on its node, in the shape of the node condition {@code
 * NestedVirtualizationReady}: verified or not, a CamelCase reason, and a message with the details
 * an admin needs.
 */
public record KvmVerdict(boolean verified, String reason, String message) {}
