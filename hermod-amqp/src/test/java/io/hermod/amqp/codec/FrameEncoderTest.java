package io.hermod.amqp.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Writing frames: sizes, body splitting under frame-max, the zero-copy variant, and failures that leave no trace. */
@ExtendWith(LeakCheck.class)
class FrameEncoderTest {

    private static final BasicProperties PROPERTIES = new BasicProperties(
            "text/plain", null, Map.of("k", "v"), 2, null, null, null, null, null, null, null, null, null, null);

    @Test
    void aMethodFrameCarriesTypeChannelSizeAndEndOctet() {
        byte[] frame = Bytes.written(out -> FrameEncoder.writeMethod(out, 258, new BasicAck(1, false)));

        assertThat(frame).isEqualTo(Bytes.of(1, 1, 2, 0, 0, 0, 13, 0, 60, 0, 80, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0xCE));
    }

    @Test
    void aHeartbeatIsEightFixedBytes() {
        assertThat(Bytes.written(FrameEncoder::writeHeartbeat)).isEqualTo(Bytes.of(8, 0, 0, 0, 0, 0, 0, 0xCE));
    }

    @Test
    void aBodyIsSplitIntoFramesOfAtMostFrameMax() {
        // Given a 10,000-byte body and frame-max 4096 (4088 body bytes per frame)
        byte[] body = randomBytes(10_000);

        List<Frame> frames = decode(content(body, 4096), 4096);

        // Then the header announces 10,000 bytes and three body frames carry them
        assertThat(((ContentHeaderFrame) frames.getFirst()).bodySize()).isEqualTo(10_000);
        assertThat(frames.subList(1, frames.size()))
                .extracting(f -> ((ContentBodyFrame) f).payload().readableBytes())
                .containsExactly(4088, 4088, 1824);
        assertThat(bodyOf(frames)).isEqualTo(body);
        release(frames);
    }

    @Test
    void anEmptyBodyHasNoBodyFrame() {
        List<Frame> frames = decode(content(new byte[0], 4096), 4096);

        assertThat(frames).hasSize(1);
        assertThat(((ContentHeaderFrame) frames.getFirst()).bodySize()).isZero();
        release(frames);
    }

    @Test
    void frameMaxZeroMeansOneBodyFrame() {
        byte[] body = randomBytes(200_000);

        List<Frame> frames = decode(content(body, 0), 1 << 20);

        assertThat(frames).hasSize(2);
        assertThat(bodyOf(frames)).isEqualTo(body);
        release(frames);
    }

    @Test
    void frameMaxBelowTheSpecMinimumIsRefused() {
        assertThatThrownBy(() -> content(new byte[1], 100)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 10, 1024, 1025, 4088, 4089, 8176, 10_000, 100_000})
    void theZeroCopyContentHasTheSameBytesAndLeavesTheCallersBuffersAsTheyWere(int size) {
        // Given a body and encoded properties the caller owns
        ByteBuf body = Unpooled.wrappedBuffer(randomBytes(size + 3)).skipBytes(3);
        ByteBuf properties = Unpooled.buffer();
        PROPERTIES.encode(properties);

        // When the content is built sharing the body
        ByteBuf shared = FrameEncoder.content(ByteBufAllocator.DEFAULT, 5, 60, properties, body, 4096);

        // Then its bytes are those writeContent copies, and releasing it gives the body back untouched
        byte[] copied = Bytes.written(out -> FrameEncoder.writeContent(out, 5, 60, properties, body, 4096));
        assertThat(ByteBufUtil.getBytes(shared)).isEqualTo(copied);
        shared.release();
        assertThat(body.refCnt()).isEqualTo(1);
        assertThat(body.readerIndex()).isEqualTo(3);
        assertThat(properties.refCnt()).isEqualTo(1);
        assertThat(properties.readerIndex()).isZero();
        body.release();
        properties.release();
    }

    @Test
    void aCommandIsTheMethodFrameThenItsContent() {
        byte[] body = randomBytes(5000);
        ByteBuf properties = Unpooled.buffer();
        PROPERTIES.encode(properties);
        var deliver = new BasicDeliver("ctag", 9, false, "ex", "rk");

        byte[] command = Bytes.written(
                out -> FrameEncoder.writeCommand(out, 3, deliver, properties, Unpooled.wrappedBuffer(body), 4096));

        List<Frame> frames = decode(command, 4096);
        assertThat(frames.getFirst()).isEqualTo(new MethodFrame(3, deliver));
        assertThat(BasicProperties.decode(((ContentHeaderFrame) frames.get(1)).properties()))
                .isEqualTo(PROPERTIES);
        assertThat(bodyOf(frames.subList(1, frames.size()))).isEqualTo(body);
        release(frames);
        properties.release();
    }

    @Test
    void aCommandFromNioBuffersIsTheSameBytesAndLeavesThemUnmoved() {
        // Given a stored message's views: a body slice at a non-zero position, read-only, and its property bytes
        byte[] body = randomBytes(9000);
        ByteBuf encodedProperties = Unpooled.buffer();
        PROPERTIES.encode(encodedProperties);
        byte[] propertyBytes = ByteBufUtil.getBytes(encodedProperties);
        encodedProperties.release();
        ByteBuffer storedBody = ByteBuffer.allocate(body.length + 20)
                .position(7)
                .put(body)
                .flip()
                .position(7)
                .asReadOnlyBuffer();
        ByteBuffer storedProperties = ByteBuffer.wrap(propertyBytes).asReadOnlyBuffer();
        var deliver = new BasicDeliver("ctag", 9, false, "ex", "rk");
        byte[] expected = Bytes.written(out -> FrameEncoder.writeCommand(
                out, 3, deliver, Unpooled.wrappedBuffer(propertyBytes), Unpooled.wrappedBuffer(body), 4096));

        // When it is encoded into a pooled direct buffer (one NIO view) and into a composite (several)
        ByteBuf direct = ByteBufAllocator.DEFAULT.directBuffer(16);
        ByteBuf composite = Unpooled.compositeBuffer()
                .addComponent(true, Unpooled.buffer(10).writeZero(10));
        composite.skipBytes(10);
        try {
            FrameEncoder.writeCommand(direct, 3, deliver, storedProperties, storedBody, 4096);
            FrameEncoder.writeCommand(composite, 3, deliver, storedProperties, storedBody, 4096);

            // Then both are the bytes the Netty-buffer variant writes, and neither source moved
            assertThat(ByteBufUtil.getBytes(direct)).isEqualTo(expected);
            assertThat(ByteBufUtil.getBytes(composite)).isEqualTo(expected);
            assertThat(storedBody.position()).isEqualTo(7);
            assertThat(storedBody.remaining()).isEqualTo(body.length);
            assertThat(storedProperties.position()).isZero();
        } finally {
            direct.release();
            composite.release();
        }
    }

    @Test
    void aMethodWithoutContentIsNotACommandWithContent() {
        ByteBuf empty = Unpooled.EMPTY_BUFFER;

        assertThatThrownBy(() -> Bytes.written(
                        out -> FrameEncoder.writeCommand(out, 1, new BasicAck(1, false), empty, empty, 4096)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("basic.ack");
    }

    @Test
    void aMethodThatCannotBeEncodedLeavesTheBufferAsItWas() {
        ByteBuf out = Unpooled.buffer();
        out.writeByte(42);

        assertThatThrownBy(() -> FrameEncoder.writeMethod(out, 1, new QueueDeclareOk("q".repeat(256), 0, 0)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(ByteBufUtil.getBytes(out)).isEqualTo(Bytes.of(42));
        out.release();
    }

    @Test
    void channelsAndArgumentsOutOfRangeAreRefused() {
        assertThatThrownBy(() -> Bytes.written(out -> FrameEncoder.writeMethod(out, 65_536, TxSelect.INSTANCE)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ConnectionTune(65_536, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ConnectionStart(256, 9, Map.of(), "PLAIN", "en_US"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // --- helpers

    private static byte[] content(byte[] body, int frameMax) {
        ByteBuf properties = Unpooled.buffer();
        PROPERTIES.encode(properties);
        try {
            return Bytes.written(
                    out -> FrameEncoder.writeContent(out, 1, 60, properties, Unpooled.wrappedBuffer(body), frameMax));
        } finally {
            properties.release();
        }
    }

    private static List<Frame> decode(byte[] bytes, int frameMax) {
        Frames.Decoded decoded = Frames.decode(new FrameDecoder(frameMax), List.of(bytes));
        assertThat(decoded.errors()).isEmpty();
        return decoded.frames();
    }

    private static byte[] bodyOf(List<Frame> frames) {
        List<byte[]> parts = new ArrayList<>();
        for (Frame f : frames.subList(1, frames.size())) {
            parts.add(ByteBufUtil.getBytes(((ContentBodyFrame) f).payload()));
        }
        return Bytes.concat(parts.toArray(byte[][]::new));
    }

    private static void release(List<Frame> frames) {
        new Frames.Decoded(frames, List.of()).release();
    }

    private static byte[] randomBytes(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }
}
