package io.hermod.broker;

import java.util.concurrent.CompletableFuture;

/**
 * A message handed to the broker: how many queues (and delay stores) it reached, known as soon as it is routed, and
 * the outcome once every one of them has taken it. A protocol module weighs its publishers' flow control by {@code
 * targets}: a message fanned out to many queues waits in each one's inbox.
 *
 * @param targets the queues and delay stores the message reached (0: unroutable, or dropped as a duplicate)
 * @param result completes as {@link Channel#publish} says
 */
public record Publication(int targets, CompletableFuture<PublishResult> result) {}
