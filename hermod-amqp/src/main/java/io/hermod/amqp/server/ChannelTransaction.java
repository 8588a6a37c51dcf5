package io.hermod.amqp.server;

import io.hermod.broker.Channel;
import io.hermod.broker.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The transaction of a channel in tx mode (AMQP 0-9-1 class tx, spec 1.9; RabbitMQ's semantics): publishes are
 * buffered in the order they arrive and routed, in that order, by {@code tx.commit}. Acks, nacks and rejects are
 * checked when they arrive and leave the channel's unacknowledged deliveries then (an unknown or repeated tag fails at
 * once, and basic.recover does not redeliver them: rabbit_channel's collect_acks), and reach the queues at the commit;
 * {@code tx.rollback} discards the publishes and makes those deliveries unacknowledged again. A new transaction starts
 * right after each commit or rollback.
 *
 * <p>As in RabbitMQ, a transaction is atomic per channel only in the sense that nothing is applied before the commit:
 * a commit that fails half-way leaves what it applied applied ("partial tx completion").
 *
 * <p>Threading: the connection's event loop only.
 */
final class ChannelTransaction {

    /** One buffered operation. */
    sealed interface Operation {
        record Publish(Message message, boolean mandatory) implements Operation {}

        /** An ack, nack or reject whose deliveries the channel has handed over ({@link Channel#take}). */
        record Settle(Channel.Taken taken) implements Operation {}
    }

    private final Channel channel;
    private final List<Operation> operations = new ArrayList<>();
    private boolean committing;

    ChannelTransaction(Channel channel) {
        this.channel = channel;
    }

    void publish(Message message, boolean mandatory) {
        operations.add(new Operation.Publish(message, mandatory));
    }

    /**
     * An ack ({@code ack}), nack or reject in the transaction.
     *
     * @throws io.hermod.broker.BrokerException {@code PRECONDITION_FAILED} for an unknown delivery tag, at once
     */
    void settle(long deliveryTag, boolean multiple, boolean ack, boolean requeue) {
        operations.add(new Operation.Settle(channel.take(deliveryTag, multiple, ack, requeue)));
    }

    /** The number of operations buffered in the current transaction. */
    int size() {
        return operations.size();
    }

    /** Discards the current transaction: its acks, nacks and rejects are undone. */
    void rollback() {
        undo(operations);
        operations.clear();
    }

    private void undo(List<Operation> discarded) {
        for (Operation operation : discarded) {
            if (operation instanceof Operation.Settle s) {
                channel.rollback(s.taken());
            }
        }
    }

    /**
     * Applies the buffered operations in order and starts a new transaction. The result completes when every publish of
     * the transaction has been taken by its queues (the moment {@code tx.commit-ok} may go out), and fails if any
     * could not be. An operation that throws stops the commit there: the rest of the transaction is discarded, its
     * settlements undone.
     *
     * @param publisher routes one publish; completes once the message is taken by every queue it reached
     */
    CompletableFuture<Void> commit(Function<Operation.Publish, CompletableFuture<?>> publisher) {
        List<Operation> applying = List.copyOf(operations);
        operations.clear();
        List<CompletableFuture<?>> published = new ArrayList<>();
        for (int i = 0; i < applying.size(); i++) {
            try {
                switch (applying.get(i)) {
                    case Operation.Publish p -> published.add(publisher.apply(p));
                    case Operation.Settle s -> channel.commit(s.taken());
                }
            } catch (RuntimeException e) {
                undo(applying.subList(i + 1, applying.size()));
                throw e;
            }
        }
        committing = true;
        return CompletableFuture.allOf(published.toArray(CompletableFuture<?>[]::new));
    }

    /** Whether a commit is waiting for its publishes (RabbitMQ refuses any other command meanwhile). */
    boolean committing() {
        return committing;
    }

    /** The commit's publishes are all settled. */
    void commitDone() {
        committing = false;
    }
}
