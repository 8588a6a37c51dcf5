package io.hermod.broker;

/**
 * The outcome of a publish, once every queue it reached has taken it (the moment a publisher confirm may go out).
 *
 * @param queues the number of queues the message reached; 0 means unroutable (returned to the publisher if mandatory)
 */
public record PublishResult(int queues) {

    public boolean routed() {
        return queues > 0;
    }
}
