package io.hermod.broker;

/**
 * Receives a consumer's messages. Called on a broker thread, one message at a time per queue; it must not block (hand
 * slow work to your own executor) and may call the channel back (acknowledging is asynchronous).
 */
public interface DeliveryHandler {

    void onDelivery(Delivery delivery);

    /**
     * Whether the consumer can take a message now; while false its queue holds its messages back, until {@link
     * Channel#resumeDeliveries} (backpressure from a slow client). Called on queue threads; must be cheap.
     */
    default boolean ready() {
        return true;
    }

    /**
     * The consumer is registered with its queue; called once, before its first delivery, on the queue's thread (it may
     * come before {@link Channel#consume} returns). Protocols send their consume confirmation (AMQP basic.consume-ok)
     * from here so that it precedes every delivery.
     */
    default void onConsumeOk(String consumerTag) {}

    /** The broker cancelled the consumer because its queue went away (consumer cancel notification). */
    default void onCancelledByBroker(String consumerTag) {}
}
