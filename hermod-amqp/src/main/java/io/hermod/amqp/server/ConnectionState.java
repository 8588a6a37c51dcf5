package io.hermod.amqp.server;

/**
 * Where a connection is in its lifecycle (spec 2.2.4, "connection class"): each state accepts only the methods the
 * spec allows there; anything else is UNEXPECTED_FRAME or COMMAND_INVALID.
 */
sealed interface ConnectionState {

    /** connection.start sent; waiting for start-ok (the client's credentials). */
    record AwaitingStartOk() implements ConnectionState {}

    /** Authenticated, connection.tune sent; waiting for tune-ok. */
    record AwaitingTuneOk(String user) implements ConnectionState {}

    /** Tuned; waiting for connection.open naming the vhost. */
    record AwaitingOpen(String user) implements ConnectionState {}

    /** Open on a vhost: channels may open. */
    record Open(String user) implements ConnectionState {}

    /**
     * Closing: everything but connection.close and close-ok is discarded (spec 2.2.4). {@code byClient}: the client
     * sent connection.close, which is answered once the session is closed and then the client closes the socket; else
     * the server sent it and waits for close-ok.
     */
    record Closing(boolean byClient) implements ConnectionState {}

    /** The socket is closed or closing. */
    record Closed() implements ConnectionState {}
}
