package io.hermod.broker;

/** A queue as a declare answers it (AMQP queue.declare-ok): its name and current counts. */
public record QueueInfo(String name, long messageCount, int consumerCount) {}
