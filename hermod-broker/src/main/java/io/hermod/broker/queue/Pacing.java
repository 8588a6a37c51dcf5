package io.hermod.broker.queue;

import java.util.function.BooleanSupplier;

/**
 * Publisher pacing of one queue: while the machine's CPU is saturated and the queue's consumers drain it at speed, the
 * queue takes publishes from its inbox only while fewer than {@value #READY_LIMIT} messages are ready, so that what it
 * holds stays about as much as its consumers take in a few milliseconds. The rest wait in the inbox unconfirmed; the
 * AMQP connections that sent them run out of publish credit and stop reading their sockets, and the CPU they would
 * have used goes to delivering. Without it, on a saturated machine the side that falls behind leaves the other more
 * CPU, so a queue whose publishers outrun its consumers grows for as long as the load lasts, and its consumers see
 * messages as old as that backlog. RabbitMQ gets the same effect from its credit flow, because its queue process is
 * the bottleneck of both sides.
 *
 * <p>Pacing needs all three conditions, and each is there for a reason:
 *
 * <ul>
 *   <li>a saturated CPU: when CPU is to spare, slowing publishers gives consumers nothing, and a queue is there to
 *       buffer what its consumers cannot take yet;
 *   <li>consumers that drained at least {@value #MIN_DELIVERIES_PER_WINDOW} messages in the last {@value
 *       #WINDOW_MILLIS} ms: slow workers would not go faster for it, and their publishers would wait for them. A
 *       connection that publishes to a queue and acknowledges its deliveries too stops reading its acks with its
 *       publishes, so its deliveries stop; pacing ends within two windows and the held publishes go in;
 *   <li>consumers at all: a queue without consumers buffers.
 * </ul>
 *
 * <p>Threading: owned by the queue's executor, but for {@link #holding}, which any thread reads.
 */
final class Pacing {

    /** Ready messages up to which a paced queue takes publishes: a few milliseconds of fast consumers' work. */
    static final long READY_LIMIT = 512;
    /** How often the delivery rate is measured, and how soon a held inbox is looked at again without a delivery. */
    static final long WINDOW_MILLIS = 100;
    /** Deliveries per window (1,000 a second) below which the consumers are not paced to. */
    static final int MIN_DELIVERIES_PER_WINDOW = 100;

    private final BooleanSupplier cpuSaturated;
    private long windowStart = Long.MIN_VALUE;
    private int deliveriesThisWindow;
    private int deliveriesLastWindow;
    private boolean paced;
    private volatile boolean holding;

    /** @param cpuSaturated whether the machine's CPU is saturated now (any thread, cheap) */
    Pacing(BooleanSupplier cpuSaturated) {
        this.cpuSaturated = cpuSaturated;
    }

    /**
     * How many publishes the queue may take from its inbox now: any number unless it is paced, else what brings its
     * ready messages up to {@link #READY_LIMIT}.
     *
     * @param consumed whether the queue is running and has consumers
     * @param ready the messages ready now
     */
    int allowance(boolean consumed, long ready, long now) {
        roll(now);
        paced = consumed
                && Math.max(deliveriesThisWindow, deliveriesLastWindow) >= MIN_DELIVERIES_PER_WINDOW
                && cpuSaturated.getAsBoolean();
        return paced ? (int) Math.max(0, READY_LIMIT - ready) : Integer.MAX_VALUE;
    }

    /** The queue handed a message to a consumer. */
    void delivered() {
        deliveriesThisWindow++;
    }

    /**
     * At the end of a round, with {@code ready} messages left once consumers took what they could: whether publishes
     * wait in the inbox that the queue holds back, so that its executor does not run again for them alone (it looks
     * again at its next task, or after {@link #WINDOW_MILLIS}).
     */
    boolean hold(long ready, boolean inboxPending) {
        holding = paced && ready >= READY_LIMIT && inboxPending;
        return holding;
    }

    /** Whether the inbox is held back: publishers wait for the consumers (RabbitMQ's {@code flow}). Any thread. */
    boolean holding() {
        return holding;
    }

    private void roll(long now) {
        if (windowStart == Long.MIN_VALUE) {
            windowStart = now;
        }
        long elapsed = now - windowStart;
        if (elapsed >= WINDOW_MILLIS) {
            // a window with no round at all in it delivered nothing
            deliveriesLastWindow = elapsed < 2 * WINDOW_MILLIS ? deliveriesThisWindow : 0;
            deliveriesThisWindow = 0;
            windowStart = now;
        }
    }
}
