package dev.weir.cluster.membership;

/**
 * A worker the coordinator knows: where it takes data connections (port 0: none yet) and how many
 * slots it offers.
 */
public record RegisteredWorker(String id, String host, int dataPort, int slots) {}
