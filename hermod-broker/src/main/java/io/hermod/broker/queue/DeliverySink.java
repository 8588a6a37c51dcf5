package io.hermod.broker.queue;

/**
 * Where a queue hands the messages of one consumer: implemented by the broker's channel, which numbers deliveries and
 * passes them on to the protocol. Called on the queue's executor; implementations must not block and must not call back
 * into the same queue synchronously (queue calls are asynchronous anyway).
 */
public interface DeliverySink {

    /**
     * One message for the consumer. With {@code autoAck} the queue has already settled it; otherwise it stays
     * unacknowledged until the channel settles it through {@link Queue#settle}.
     */
    void onDelivery(Queue queue, QueueConsumer consumer, StoredMessage message, boolean redelivered);

    /**
     * Whether the consumer can take a message now. A sink that answers false (its socket's buffer is full, its client
     * paused the channel) gets nothing more from the queue until {@link Queue#wake} after it is ready again: the queue
     * keeps the messages, so a slow consumer costs no memory (RabbitMQ's credit flow). Called on the queue's executor;
     * must be cheap.
     */
    default boolean ready() {
        return true;
    }

    /**
     * The consumer is in place: called before its first delivery, so that a protocol can confirm the consume (AMQP
     * basic.consume-ok) ahead of any message.
     */
    default void onConsumerAdded(Queue queue, QueueConsumer consumer) {}

    /** The queue went away (deleted) and the consumer with it: the client is told (consumer cancel notification). */
    void onCancelledByQueue(Queue queue, QueueConsumer consumer);
}
