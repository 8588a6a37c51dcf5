package io.hermod.broker.queue;

/** Why a queue dead-lettered a message; {@link #text()} is the {@code reason} of RabbitMQ's {@code x-death} entry. */
public enum DeadLetterReason {
    /** Rejected or nacked by a consumer without requeue. */
    REJECTED("rejected"),
    /** Older than its TTL (the queue's or its own). */
    EXPIRED("expired"),
    /** Dropped from the head, or refused at the tail, by {@code x-max-length} or {@code x-max-length-bytes}. */
    MAXLEN("maxlen"),
    /** Returned more often than {@code x-delivery-limit} allows. */
    DELIVERY_LIMIT("delivery_limit");

    private final String text;

    DeadLetterReason(String text) {
        this.text = text;
    }

    public String text() {
        return text;
    }
}
