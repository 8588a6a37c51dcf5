package io.hermod.amqp.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.AMQP;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Generated constants against the RabbitMQ Java client's own (an independent reading of the same spec). */
@ExtendWith(LeakCheck.class)
class AmqpConstantsTest {

    @ParameterizedTest
    @EnumSource(ReplyCode.class)
    void replyCodesMatchTheJavaClient(ReplyCode code) throws ReflectiveOperationException {
        assertThat(AMQP.class.getField(code.name()).getInt(null)).isEqualTo(code.value());
        assertThat(ReplyCode.of(code.value())).contains(code);
    }

    @Test
    void replyCodesKnowTheirErrorClass() {
        assertThat(ReplyCode.NOT_FOUND.softError()).isTrue();
        assertThat(ReplyCode.NOT_FOUND.hardError()).isFalse();
        assertThat(ReplyCode.FRAME_ERROR.hardError()).isTrue();
        assertThat(ReplyCode.CONNECTION_FORCED.hardError()).isTrue();
        assertThat(ReplyCode.REPLY_SUCCESS.hardError() || ReplyCode.REPLY_SUCCESS.softError())
                .isFalse();
        assertThat(ReplyCode.values()).hasSize(19);
        assertThat(ReplyCode.of(999)).isEmpty();
    }

    @Test
    void frameConstantsMatchTheJavaClient() {
        assertThat(AmqpConstants.FRAME_METHOD).isEqualTo(AMQP.FRAME_METHOD);
        assertThat(AmqpConstants.FRAME_HEADER).isEqualTo(AMQP.FRAME_HEADER);
        assertThat(AmqpConstants.FRAME_BODY).isEqualTo(AMQP.FRAME_BODY);
        assertThat(AmqpConstants.FRAME_HEARTBEAT).isEqualTo(AMQP.FRAME_HEARTBEAT);
        assertThat(AmqpConstants.FRAME_END).isEqualTo(AMQP.FRAME_END).isEqualTo(0xCE);
        // the spec's minimum; RabbitMQ 4 (and so the current client) raised its own to 8192 for large OAuth tokens
        assertThat(AmqpConstants.FRAME_MIN_SIZE).isEqualTo(4096);
        assertThat(AMQP.FRAME_MIN_SIZE).isEqualTo(8192);
        assertThat(AmqpConstants.PORT).isEqualTo(AMQP.PROTOCOL.PORT);
    }

    @Test
    void theProtocolHeaderIsAmqp0091() {
        byte[] expected = {'A', 'M', 'Q', 'P', 0, AMQP.PROTOCOL.MAJOR, AMQP.PROTOCOL.MINOR, AMQP.PROTOCOL.REVISION};
        assertThat(AmqpConstants.protocolHeader())
                .isEqualTo(expected)
                .isEqualTo(Bytes.of('A', 'M', 'Q', 'P', 0, 0, 9, 1));

        ByteBuf buffer = Unpooled.buffer();
        buffer.writeByte(7);
        AmqpConstants.writeProtocolHeader(buffer);
        assertThat(AmqpConstants.isProtocolHeader(buffer, 1)).isTrue();
        assertThat(AmqpConstants.isProtocolHeader(buffer, 0)).isFalse();
        assertThat(AmqpConstants.isProtocolHeader(buffer, 2)).isFalse();
        buffer.release();

        // every call gets its own array
        AmqpConstants.protocolHeader()[0] = 'X';
        assertThat(Arrays.equals(AmqpConstants.protocolHeader(), expected)).isTrue();
    }
}
