package io.hermod.broker;

/**
 * The stable codes of every failure the broker reports. Protocol modules map each to a wire error in one table (the
 * AMQP reply code in the comment is the mapping RabbitMQ users expect); the message that comes with a code is for
 * people, the code is what callers switch on. Numbers never change meaning once released.
 */
public enum ErrorCode {
    /** A vhost, exchange, queue, binding or consumer that does not exist (AMQP 404 NOT_FOUND). */
    NOT_FOUND(1),
    /**
     * A declare that is not equivalent to the existing entity, a delete refused by if-unused or if-empty, an unknown
     * delivery tag, an invalid queue argument (AMQP 406 PRECONDITION_FAILED).
     */
    PRECONDITION_FAILED(2),
    /**
     * An exclusive queue owned by another session, or a declare whose exclusive flag differs from the queue's (AMQP 405
     * RESOURCE_LOCKED).
     */
    RESOURCE_LOCKED(3),
    /**
     * A reserved name ({@code amq.}), the default exchange where it may not be used, a publish to an internal exchange,
     * or a consumer exclusivity conflict (AMQP 403 ACCESS_REFUSED).
     */
    ACCESS_REFUSED(4),
    /** A request the broker does not support at that point (AMQP 503 COMMAND_INVALID). */
    COMMAND_INVALID(5),
    /** A limit was reached, or the broker is out of a resource (AMQP 506 RESOURCE_ERROR). */
    RESOURCE_ERROR(6),
    /** Storage failed (disk full, I/O error, corruption); nothing was confirmed (AMQP 541 INTERNAL_ERROR). */
    STORAGE_FAILED(7),
    /** The broker, vhost, session or channel was closed (AMQP 320 CONNECTION_FORCED). */
    CLOSED(8),
    /** A request the broker recognises but does not implement (AMQP 540 NOT_IMPLEMENTED). */
    NOT_IMPLEMENTED(9),
    /** A request the client may not make in its state, such as reusing a consumer tag (AMQP 530 NOT_ALLOWED). */
    NOT_ALLOWED(10);

    private final int code;

    ErrorCode(int code) {
        this.code = code;
    }

    /** The stable number of this code. */
    public int code() {
        return code;
    }
}
