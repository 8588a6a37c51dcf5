package io.hermod.broker.queue;

import java.util.ArrayList;
import java.util.List;

/**
 * The consumers of a queue in the order they get messages: the highest priority first (RabbitMQ's consumer priorities:
 * a lower one gets messages only while every higher one is out of credit), round-robin among consumers of equal
 * priority.
 *
 * <p>Not thread-safe: owned by the queue's executor.
 */
final class ConsumerRing {

    // sorted by priority, highest first; equal priorities in the order they were added
    private final List<QueueConsumer> consumers = new ArrayList<>();
    private long served;
    private final java.util.Map<QueueConsumer, Long> lastServed = new java.util.IdentityHashMap<>();

    void add(QueueConsumer consumer) {
        int i = 0;
        while (i < consumers.size() && consumers.get(i).priority() >= consumer.priority()) {
            i++;
        }
        consumers.add(i, consumer);
        lastServed.put(consumer, -1L);
    }

    boolean remove(QueueConsumer consumer) {
        lastServed.remove(consumer);
        return consumers.remove(consumer);
    }

    List<QueueConsumer> removeAll() {
        List<QueueConsumer> all = List.copyOf(consumers);
        consumers.clear();
        lastServed.clear();
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
     * priority that has a consumer with credit, the one served longest ago.
     */
    QueueConsumer next() {
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
