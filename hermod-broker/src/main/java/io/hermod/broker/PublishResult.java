package io.hermod.broker;

/**
 * The outcome of a publish, once every queue it reached has taken it (the moment a publisher confirm may go out).
 *
 * @param queues the number of queues the message reached; 0 means unroutable (returned to the publisher if mandatory)
 * @param duplicate the exchange dropped it as a duplicate ({@code x-message-deduplication}): taken, not routed
 */
public record PublishResult(int queues, boolean duplicate) {

    /** The outcome of a message dropped as a duplicate by its exchange. */
    public static final PublishResult DUPLICATE = new PublishResult(0, true);

    private static final PublishResult[] ROUTED = new PublishResult[65];

    static {
        for (int i = 0; i < ROUTED.length; i++) {
            ROUTED[i] = new PublishResult(i, false);
        }
    }

    public PublishResult(int queues) {
        this(queues, false);
    }

    /** The outcome of a message stored in {@code queues} queues: shared instances for the usual counts. */
    public static PublishResult routedTo(int queues) {
        return queues >= 0 && queues < ROUTED.length ? ROUTED[queues] : new PublishResult(queues);
    }

    /** Whether it went somewhere, or was a duplicate (which is no reason to return it to a mandatory publisher). */
    public boolean routed() {
        return queues > 0 || duplicate;
    }
}
