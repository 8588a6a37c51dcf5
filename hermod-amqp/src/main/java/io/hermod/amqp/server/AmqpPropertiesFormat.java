package io.hermod.amqp.server;

import io.hermod.amqp.codec.AmqpCodecException;
import io.hermod.amqp.codec.BasicProperties;
import io.hermod.broker.PropertiesFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * The broker's view of AMQP 0-9-1 message properties: the content header's {@code basic} property list, as the
 * broker stores it. Used only where the broker rewrites a message (dead-lettering; the delivery count of a message
 * that came back), never on the way of a publish or a first delivery. Properties that are not a valid property list
 * (an embedded publisher's, say) read as none.
 */
final class AmqpPropertiesFormat implements PropertiesFormat {

    static final AmqpPropertiesFormat INSTANCE = new AmqpPropertiesFormat();

    private AmqpPropertiesFormat() {}

    @Override
    public Map<String, Object> headers(ByteBuffer properties) {
        Map<String, Object> headers = decode(properties).headers();
        return headers == null ? Map.of() : headers;
    }

    @Override
    public String expiration(ByteBuffer properties) {
        return decode(properties).expiration();
    }

    @Override
    public String messageId(ByteBuffer properties) {
        return decode(properties).messageId();
    }

    @Override
    public byte[] withHeaders(ByteBuffer properties, Map<String, Object> headers, boolean dropExpiration) {
        BasicProperties p = decode(properties);
        BasicProperties rewritten = new BasicProperties(
                p.contentType(),
                p.contentEncoding(),
                headers,
                p.deliveryMode(),
                p.priority(),
                p.correlationId(),
                p.replyTo(),
                dropExpiration ? null : p.expiration(),
                p.messageId(),
                p.timestamp(),
                p.type(),
                p.userId(),
                p.appId(),
                p.clusterId());
        ByteBuf out = Unpooled.buffer(properties.remaining() + 256);
        rewritten.encode(out);
        return ByteBufUtil.getBytes(out);
    }

    private static BasicProperties decode(ByteBuffer properties) {
        if (properties.remaining() < 2) {
            return BasicProperties.EMPTY;
        }
        try {
            return BasicProperties.decode(Unpooled.wrappedBuffer(properties.duplicate()));
        } catch (AmqpCodecException | IndexOutOfBoundsException e) {
            return BasicProperties.EMPTY;
        }
    }
}
