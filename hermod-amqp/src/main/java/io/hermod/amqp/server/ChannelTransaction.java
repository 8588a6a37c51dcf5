package io.hermod.amqp.server;

import io.hermod.broker.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The transaction of a channel in tx mode (AMQP 0-9-1 class tx, spec 1.9; RabbitMQ's semantics): publishes, acks,
 * nacks and rejects are buffered in the order they arrive and applied, in that order, by {@code tx.commit}; {@code
 * tx.rollback} discards them (acknowledged deliveries stay unacknowledged). A new transaction starts right after each
 * commit or rollback.
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

        record Ack(long deliveryTag, boolean multiple) implements Operation {}

        record Nack(long deliveryTag, boolean multiple, boolean requeue) implements Operation {}

        record Reject(long deliveryTag, boolean requeue) implements Operation {}
    }

    /** Where a commit applies the operations: the channel's own, non-transactional paths. */
    interface Target {
        /** Publishes; the future completes once the message is routed and taken by every queue it reached. */
        CompletableFuture<?> publish(Operation.Publish publish);

        void ack(long deliveryTag, boolean multiple);

        void nack(long deliveryTag, boolean multiple, boolean requeue);

        void reject(long deliveryTag, boolean requeue);
    }

    private final List<Operation> operations = new ArrayList<>();
    private boolean committing;

    void add(Operation operation) {
        operations.add(operation);
    }

    /** The number of operations buffered in the current transaction. */
    int size() {
        return operations.size();
    }

    /** Discards the current transaction. */
    void rollback() {
        operations.clear();
    }

    /**
     * Applies the buffered operations in order and starts a new transaction. The result completes when every publish of
     * the transaction has been taken by its queues (the moment {@code tx.commit-ok} may go out), and fails if any
     * could not be. An operation that throws stops the commit there: the rest of the transaction is discarded.
     */
    CompletableFuture<Void> commit(Target target) {
        List<Operation> applying = List.copyOf(operations);
        operations.clear();
        List<CompletableFuture<?>> published = new ArrayList<>();
        for (Operation operation : applying) {
            switch (operation) {
                case Operation.Publish p -> published.add(target.publish(p));
                case Operation.Ack a -> target.ack(a.deliveryTag(), a.multiple());
                case Operation.Nack n -> target.nack(n.deliveryTag(), n.multiple(), n.requeue());
                case Operation.Reject r -> target.reject(r.deliveryTag(), r.requeue());
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
