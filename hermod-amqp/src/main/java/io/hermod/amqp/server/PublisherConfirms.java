package io.hermod.amqp.server;

import io.hermod.amqp.codec.AmqpMethod;
import io.hermod.amqp.codec.BasicAck;
import io.hermod.amqp.codec.BasicNack;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The publisher confirms of one channel in confirm mode (RabbitMQ's extension), coalesced: the broker settles
 * publishes on queue and storage threads, often a group commit's worth at once, and the channel answers them in one
 * {@code basic.ack multiple=true} for the longest settled prefix of sequence numbers, as RabbitMQ does, instead of a
 * frame per message. A publish settled ahead of an earlier one waits for it, so confirms go out in order; a failed one
 * is nacked individually, and the acks around it then go out one by one (a multiple ack must not cover a nack).
 *
 * <p>Threading: {@link #next} runs on the channel's event loop, {@link #settled} on any thread; {@link #flush} runs on
 * the event loop, once per burst of settlements ({@code settled} says when to schedule it).
 */
final class PublisherConfirms {

    // event loop only
    private long nextSeq = 1;

    // guarded by this
    private long settledBelow = 1; // every sequence number below is settled
    private long confirmedBelow = 1; // every sequence number below has had its ack or nack sent
    private final TreeSet<Long> settledAhead = new TreeSet<>();
    private final TreeSet<Long> failed = new TreeSet<>();
    private boolean flushScheduled;

    /** The sequence number of the next publish. Event loop. */
    long next() {
        return nextSeq++;
    }

    /**
     * The publish numbered {@code seq} is settled: taken by the broker, or failed. Any thread.
     *
     * @return whether the caller must schedule {@link #flush} on the event loop
     */
    synchronized boolean settled(long seq, boolean ok) {
        if (!ok) {
            failed.add(seq);
        }
        if (seq == settledBelow) {
            settledBelow++;
            while (!settledAhead.isEmpty() && settledAhead.first() == settledBelow) {
                settledAhead.pollFirst();
                settledBelow++;
            }
        } else {
            settledAhead.add(seq);
        }
        if (flushScheduled) {
            return false;
        }
        flushScheduled = true;
        return true;
    }

    /** Sends the confirms that are due, in order. Event loop. */
    void flush(Consumer<AmqpMethod> send) {
        List<AmqpMethod> due = new ArrayList<>(1);
        synchronized (this) {
            flushScheduled = false;
            long end = settledBelow; // exclusive
            if (end == confirmedBelow) {
                return;
            }
            Long firstFailure = failed.ceiling(confirmedBelow);
            if (firstFailure == null || firstFailure >= end) {
                due.add(new BasicAck(end - 1, end - 1 > confirmedBelow));
            } else {
                if (firstFailure > confirmedBelow) {
                    due.add(new BasicAck(firstFailure - 1, firstFailure - 1 > confirmedBelow));
                }
                for (long seq = firstFailure; seq < end; seq++) {
                    due.add(failed.remove(seq) ? new BasicNack(seq, false, false) : new BasicAck(seq, false));
                }
            }
            confirmedBelow = end;
        }
        due.forEach(send);
    }
}
