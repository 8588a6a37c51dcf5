package io.hermod.broker.queue;

/**
 * Hermod's retry back-off (RabbitMQ has none; NATS JetStream, Pulsar and ActiveMQ Artemis do): a message that comes
 * back to its queue after a delivery — rejected or nacked with requeue, or returned by a closed channel or a consumer
 * timeout — stays invisible to consumers for a delay that grows with each return, then is ready again ahead of newer
 * messages. The {@code n}th return waits {@code min(maxDelay, initialDelay * multiplier^(n-1))}, spread by up to
 * {@code jitter} of itself either way so that messages failed together do not all come back together. With {@code
 * x-delivery-limit} the message is dead-lettered once it has come back more often than the limit.
 *
 * <p>Queue arguments: {@code x-retry-delay} (ms, turns it on), {@code x-retry-multiplier} (default 2), {@code
 * x-retry-max-delay} (ms, default one hour), {@code x-retry-jitter} (0 to 1, default 0).
 *
 * <p>Threading: an immutable value.
 */
public record RetryBackoff(long initialDelay, double multiplier, long maxDelay, double jitter) {

    public static final String DELAY = "x-retry-delay";
    public static final String MULTIPLIER = "x-retry-multiplier";
    public static final String MAX_DELAY = "x-retry-max-delay";
    public static final String JITTER = "x-retry-jitter";

    public static final double DEFAULT_MULTIPLIER = 2;
    public static final long DEFAULT_MAX_DELAY = 3_600_000;

    /**
     * The delay before the {@code returns}th return (1 for the first) is ready again, in milliseconds.
     *
     * @param random a number in [0, 1) for the jitter
     */
    public long delay(int returns, double random) {
        double d = initialDelay * Math.pow(multiplier, Math.max(0, returns - 1));
        d = Math.min(d, maxDelay);
        d += d * jitter * (2 * random - 1);
        return Math.max(0, Math.round(d));
    }
}
