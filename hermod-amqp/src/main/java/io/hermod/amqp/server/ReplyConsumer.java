package io.hermod.amqp.server;

import io.hermod.amqp.codec.BasicConsume;
import io.hermod.amqp.codec.BasicDeliver;
import io.hermod.amqp.codec.BasicProperties;
import io.hermod.broker.Channel;
import io.hermod.broker.Message;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

/**
 * One channel's side of direct reply-to (see {@link DirectReplyTo}): its consumer of {@code amq.rabbitmq.reply-to},
 * registered with the server-wide registry under an opaque token, the rewrite of {@code reply_to} on the channel's
 * publishes, and the deliveries of the replies addressed to it — numbered in the channel's delivery-tag sequence,
 * written through its {@link DeliveryGate}, never acknowledged. The rules are rabbit_channel's: the consumer must be
 * no-ack, one per channel; publishing with {@code reply_to = amq.rabbitmq.reply-to} without it is refused.
 *
 * <p>Threading: the channel's event loop, except {@link #deliver}, which runs on the replying publisher's event loop.
 */
final class ReplyConsumer {

    private static final int BASIC_CLASS = 60;

    private final AmqpConnection connection;
    private final int channelId;
    private final Channel channel;
    private final DeliveryGate gate;

    // event loop only
    private String token; // set while this channel consumes its replies
    private String consumerTag;

    ReplyConsumer(AmqpConnection connection, int channelId, Channel channel, DeliveryGate gate) {
        this.connection = connection;
        this.channelId = channelId;
        this.channel = channel;
        this.gate = gate;
    }

    /** Whether {@code tag} is this channel's reply consumer (also: taken for other consumers). */
    boolean hasTag(String tag) {
        return tag.equals(consumerTag);
    }

    /**
     * basic.consume from the pseudo-queue: registers the consumer and returns its tag (server-chosen when empty).
     *
     * @throws ProtocolError PRECONDITION_FAILED for an acknowledging consumer or a second one
     */
    String consume(BasicConsume m) {
        if (!m.noAck()) {
            throw preconditionFailed("reply consumer cannot acknowledge", m.methodId());
        }
        if (token != null) {
            throw preconditionFailed("reply consumer already set", m.methodId());
        }
        DirectReplyTo replies = connection.directReplyTo();
        String tag = m.consumerTag().isEmpty() ? replies.generateConsumerTag() : m.consumerTag();
        consumerTag = tag;
        token = replies.register(new DirectReplyTo.Registration(connection.vhost(), message -> deliver(tag, message)));
        return tag;
    }

    /** basic.cancel of the reply consumer, or the channel closing: replies to its address are unroutable from now. */
    void cancel() {
        if (token != null) {
            connection.directReplyTo().unregister(token);
            gate.drop(consumerTag);
            token = null;
            consumerTag = null;
        }
    }

    /**
     * The property bytes to store for a publish: as published, except that {@code reply_to = amq.rabbitmq.reply-to}
     * becomes this channel's reply address (the properties are re-encoded; the broker stores them as opaque bytes).
     *
     * @throws ProtocolError PRECONDITION_FAILED when the channel has no reply consumer
     */
    byte[] rewrite(BasicProperties decoded, byte[] properties) {
        if (!DirectReplyTo.QUEUE.equals(decoded.replyTo())) {
            return properties;
        }
        if (token == null) {
            throw preconditionFailed("fast reply consumer does not exist", 40);
        }
        ByteBuf encoded = Unpooled.buffer(properties.length + 32);
        try {
            decoded.withReplyTo(DirectReplyTo.PREFIX + token).encode(encoded);
            return ByteBufUtil.getBytes(encoded);
        } finally {
            encoded.release();
        }
    }

    /** A reply addressed to this consumer; on the publisher's thread. */
    private void deliver(String tag, Message m) {
        long deliveryTag = channel.nextDeliveryTag();
        ByteBuf out = connection.encodeCommand(
                channelId,
                new BasicDeliver(tag, deliveryTag, false, m.exchange(), m.routingKey()),
                Unpooled.wrappedBuffer(m.properties()),
                Unpooled.wrappedBuffer(m.body()));
        gate.send(tag, deliveryTag, false, out);
    }

    private static ProtocolError preconditionFailed(String text, int methodId) {
        return new ProtocolError(ReplyCodes.PRECONDITION_FAILED, false, text, BASIC_CLASS, methodId);
    }
}
