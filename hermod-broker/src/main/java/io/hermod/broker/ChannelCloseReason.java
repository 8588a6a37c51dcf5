package io.hermod.broker;

/**
 * Why the broker closed a channel on its own ({@link Channel#onClosedByBroker}), as facts rather than text: the
 * protocol closes its side with the reason's {@link #code()} and words of its own, which may name what only the
 * protocol knows (AMQP's channel number). Sealed, so a protocol that switches over the reasons handles each.
 */
public sealed interface ChannelCloseReason {

    /** The failure this reason stands for, to map to a wire error. */
    ErrorCode code();

    /**
     * The channel's oldest delivery stayed unacknowledged past the consumer timeout of its queue.
     *
     * @param timeoutMillis the timeout that applied, in milliseconds
     */
    record AckTimedOut(long timeoutMillis) implements ChannelCloseReason {

        @Override
        public ErrorCode code() {
            return ErrorCode.PRECONDITION_FAILED;
        }
    }
}
