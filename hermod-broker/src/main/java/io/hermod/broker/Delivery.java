package io.hermod.broker;

import java.nio.ByteBuffer;

/**
 * One message handed to a consumer or a polling get. The buffers are read-only and valid until the handler returns
 * (copy them to keep them).
 *
 * @param deliveryTag the channel's number for it, to acknowledge it with
 * @param messageCount for a polling get, the ready messages left in the queue; -1 for a consumer
 */
public record Delivery(
        String consumerTag,
        long deliveryTag,
        boolean redelivered,
        String exchange,
        String routingKey,
        ByteBuffer properties,
        ByteBuffer body,
        long messageCount) {}
