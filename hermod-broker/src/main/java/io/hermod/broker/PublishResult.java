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

    public PublishResult(int queues) {
        this(queues, false);
    }

    /** Whether it went somewhere, or was a duplicate (which is no reason to return it to a mandatory publisher). */
    public boolean routed() {
        return queues > 0 || duplicate;
    }
}
