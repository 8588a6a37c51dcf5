package io.hermod.amqp.server;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The read-only view of the server's open connections that management tools use, and the one way they act on them:
 * closing one with CONNECTION_FORCED. Each connection's state belongs to its event loop, so every read is a task on
 * that loop, awaited briefly; a connection that does not answer in time (its loop is busy or shutting down) is left
 * out of the answer rather than read racily.
 *
 * <p>Threading: any thread except a connection's event loop (it would wait for itself).
 */
final class ConnectionRegistry {

    /** How long a management close waits for connection.close to go out. */
    private static final long CLOSE_WAIT_SECONDS = 10;

    private static final long ANSWER_MILLIS = 2000;

    private final ChannelGroup sockets;

    ConnectionRegistry(ChannelGroup sockets) {
        this.sockets = sockets;
    }

    /** Connections past their protocol header, in no particular order. */
    List<ConnectionInfo> connections() {
        return collect(c -> List.of(c.info()));
    }

    /** Every open channel of every connection. */
    List<ChannelInfo> channels() {
        return collect(AmqpConnection::channelInfos);
    }

    /**
     * Closes the connection of that name with CONNECTION_FORCED and {@code reason} (RabbitMQ's management "close
     * connection"), and returns once connection.close has gone out, its channels closed and its exclusive queues
     * deleted (as rabbit_networking:close_connection, a call); false when there is none by that name.
     */
    boolean close(String name, String reason) {
        for (Channel socket : sockets) {
            AmqpConnection connection = socket.pipeline().get(AmqpConnection.class);
            if (connection != null && name.equals(connection.name())) {
                CompletableFuture<Void> sent = new CompletableFuture<>();
                try {
                    socket.eventLoop()
                            .execute(() -> connection.closeForced(reason).whenComplete((r, e) -> sent.complete(null)));
                    sent.get(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
                } catch (RejectedExecutionException | ExecutionException | TimeoutException e) {
                    // the server is stopping, or the broker is slow: the close is on its way all the same
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return true;
            }
        }
        return false;
    }

    private <T> List<T> collect(Function<AmqpConnection, List<T>> read) {
        List<CompletableFuture<List<T>>> answers = new ArrayList<>();
        for (Channel socket : sockets) {
            AmqpConnection connection = socket.pipeline().get(AmqpConnection.class);
            if (connection != null) {
                CompletableFuture<List<T>> answer = new CompletableFuture<>();
                try {
                    socket.eventLoop().execute(() -> {
                        try {
                            answer.complete(read.apply(connection));
                        } catch (RuntimeException e) {
                            answer.completeExceptionally(e);
                        }
                    });
                    answers.add(answer);
                } catch (RejectedExecutionException e) {
                    // the server is stopping: this connection is on its way out
                }
            }
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ANSWER_MILLIS);
        List<T> all = new ArrayList<>();
        for (CompletableFuture<List<T>> answer : answers) {
            try {
                all.addAll(answer.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (TimeoutException | ExecutionException e) {
                // left out: see the class comment
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return all;
    }
}
