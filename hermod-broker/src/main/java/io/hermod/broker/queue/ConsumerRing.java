package io.hermod.broker.queue;

import java.util.ArrayList;
import java.util.List;

/**
 * The consumers of a queue in the order they get messages: the highest priority first (RabbitMQ's consumer priorities:
 * a lower one gets messages only while every higher one is out of credit), round-robin among consumers of equal
 * priority.
 *
 * <p>With a single active consumer ({@code x-single-active-consumer}) only one consumer gets messages, the others wait
 * attached. As RabbitMQ's classic queues (rabbit_amqqueue_process, basic_consume and basic_cancel with
 * single_active_consumer_on): the first consumer added becomes active whatever its priority and stays active while a
 * higher-priority one arrives (no pre-emption, which only quorum queues do since RabbitMQ 3.12); when it goes, the one
 * that takes over is the first of the highest priority (rabbit_queue_consumers:get_consumer/1), which among equal
 * priorities is the one added first.
 *
 * <p>Not thread-safe: owned by the queue's executor.
 */
final class ConsumerRing {

    // sorted by priority, highest first; equal priorities in the order they were added
    private final List<QueueConsumer> consumers = new ArrayList<>();
    private long served;
    private final java.util.Map<QueueConsumer, Long> lastServed = new java.util.IdentityHashMap<>();
    private final boolean singleActive;
    private QueueConsumer active;

    ConsumerRing(boolean singleActive) {
        this.singleActive = singleActive;
    }

    boolean singleActive() {
        return singleActive;
    }

    void add(QueueConsumer consumer) {
        int i = 0;
        while (i < consumers.size() && consumers.get(i).priority() >= consumer.priority()) {
            i++;
        }
        consumers.add(i, consumer);
        lastServed.put(consumer, -1L);
        if (singleActive && active == null) {
            active = consumer;
        }
    }

    boolean remove(QueueConsumer consumer) {
        lastServed.remove(consumer);
        boolean removed = consumers.remove(consumer);
        if (consumer == active) {
            active = consumers.isEmpty() ? null : consumers.get(0);
        }
        return removed;
    }

    List<QueueConsumer> removeAll() {
        List<QueueConsumer> all = List.copyOf(consumers);
        consumers.clear();
        lastServed.clear();
        active = null;
        return all;
    }

    int size() {
        return consumers.size();
    }

    boolean hasExclusive() {
        for (QueueConsumer c : consumers) {
            if (c.exclusive()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The consumer to hand the next message to, counted as served; null when none has credit. Within the highest
     * priority that has a consumer with credit, the one served longest ago; with a single active consumer, that one
     * only.
     */
    QueueConsumer next() {
        if (singleActive) {
            return active != null && active.hasCredit() ? active : null;
        }
        int i = 0;
        while (i < consumers.size()) {
            int priority = consumers.get(i).priority();
            QueueConsumer best = null;
            long bestServed = Long.MAX_VALUE;
            for (; i < consumers.size() && consumers.get(i).priority() == priority; i++) {
                QueueConsumer c = consumers.get(i);
                long last = lastServed.get(c);
                if (c.hasCredit() && last < bestServed) {
                    best = c;
                    bestServed = last;
                }
            }
            if (best != null) {
                lastServed.put(best, served++);
                return best;
            }
        }
        return null;
    }
}
