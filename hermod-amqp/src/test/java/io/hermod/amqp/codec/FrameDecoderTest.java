package io.hermod.amqp.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The frame decoder: every frame type, input split anywhere, and garbage refused with the right reply code. */
@ExtendWith(LeakCheck.class)
class FrameDecoderTest {

    private static final byte[] BODY = "hello, hermod".getBytes(StandardCharsets.UTF_8);

    /** A publish with properties and a two-frame body, then a heartbeat and a method on another channel. */
    private static byte[] conversation() {
        BasicProperties properties = new BasicProperties(
                "text/plain",
                null,
                SampleTables.everyType(),
                2,
                null,
                "c-1",
                null,
                "60000",
                null,
                null,
                null,
                null,
                null,
                null);
        return Bytes.written(out -> {
            FrameEncoder.writeMethod(out, 1, new BasicPublish(0, "amq.direct", "key", true, false));
            ByteBuf encoded = Unpooled.buffer();
            properties.encode(encoded);
            FrameEncoder.writeContentHeader(out, 1, 60, BODY.length, encoded);
            encoded.release();
            writeBody(out, 1, Arrays.copyOfRange(BODY, 0, 5));
            writeBody(out, 1, Arrays.copyOfRange(BODY, 5, BODY.length));
            FrameEncoder.writeHeartbeat(out);
            FrameEncoder.writeMethod(out, 2, new BasicAck(Long.MAX_VALUE, true));
        });
    }

    private static void writeBody(ByteBuf out, int channel, byte[] body) {
        out.writeByte(AmqpConstants.FRAME_BODY);
        out.writeShort(channel);
        out.writeInt(body.length);
        out.writeBytes(body);
        out.writeByte(AmqpConstants.FRAME_END);
    }

    @Test
    void decodesEveryFrameType() {
        // When the conversation is decoded in one read
        Frames.Decoded decoded = Frames.decode(new FrameDecoder(), List.of(conversation()));

        // Then every frame comes out, in order, content as retained slices
        assertThat(decoded.errors()).isEmpty();
        List<Frame> frames = decoded.frames();
        assertThat(frames).hasSize(6);
        assertThat(frames.get(0)).isEqualTo(new MethodFrame(1, new BasicPublish(0, "amq.direct", "key", true, false)));
        ContentHeaderFrame header = (ContentHeaderFrame) frames.get(1);
        assertThat(header.channel()).isEqualTo(1);
        assertThat(header.classId()).isEqualTo(60);
        assertThat(header.bodySize()).isEqualTo(BODY.length);
        assertThat(BasicProperties.deliveryModeOf(header.properties())).isEqualTo(2);
        assertThat(header.refCnt()).isPositive();
        ContentBodyFrame first = (ContentBodyFrame) frames.get(2);
        ContentBodyFrame second = (ContentBodyFrame) frames.get(3);
        assertThat(first.payload().toString(StandardCharsets.UTF_8)
                        + second.payload().toString(StandardCharsets.UTF_8))
                .isEqualTo("hello, hermod");
        assertThat(frames.get(4)).isSameAs(HeartbeatFrame.CHANNEL_ZERO);
        assertThat(frames.get(5)).isEqualTo(new MethodFrame(2, new BasicAck(Long.MAX_VALUE, true)));

        // and releasing the content frames frees them
        decoded.release();
        assertThat(header.refCnt()).isZero();
        assertThat(first.refCnt()).isZero();
    }

    @Test
    void decodesTheSameFramesWhereverTheInputIsSplit() {
        byte[] all = conversation();
        Frames.Decoded whole = Frames.decode(new FrameDecoder(), List.of(all));

        for (int split = 0; split <= all.length; split++) {
            // Given the input in two reads, split at this byte
            Frames.Decoded parts = Frames.decode(
                    new FrameDecoder(),
                    List.of(Arrays.copyOfRange(all, 0, split), Arrays.copyOfRange(all, split, all.length)));

            // Then the frames are those of one read
            assertThat(parts.errors()).as("split at %d", split).isEmpty();
            assertSameFrames(parts.frames(), whole.frames(), "split at " + split);
            parts.release();
        }
        whole.release();
    }

    @Test
    void decodesTheSameFramesFedOneByteAtATime() {
        byte[] all = conversation();
        List<byte[]> bytes = new ArrayList<>();
        for (byte b : all) {
            bytes.add(new byte[] {b});
        }
        Frames.Decoded whole = Frames.decode(new FrameDecoder(), List.of(all));

        Frames.Decoded oneByOne = Frames.decode(new FrameDecoder(), bytes);

        assertThat(oneByOne.errors()).isEmpty();
        assertSameFrames(oneByOne.frames(), whole.frames(), "byte by byte");
        oneByOne.release();
        whole.release();
    }

    @Test
    void aBadEndOctetIsAFrameErrorAndLaterInputIsDiscarded() {
        // Given a heartbeat with a wrong end octet followed by a good one
        byte[] bad = Bytes.of(8, 0, 0, 0, 0, 0, 0, 0xCD);
        byte[] good = Bytes.written(FrameEncoder::writeHeartbeat);

        Frames.Decoded decoded = Frames.decode(new FrameDecoder(), List.of(bad, good));

        // Then the error is FRAME_ERROR and nothing after it is decoded: the framing is lost
        assertCodecError(decoded, ReplyCode.FRAME_ERROR, "end octet");
        assertThat(decoded.frames()).isEmpty();
    }

    @Test
    void anUnknownFrameTypeIsAFrameError() {
        Frames.Decoded decoded = Frames.decode(new FrameDecoder(), List.of(Bytes.of(4, 0, 1, 0, 0, 0, 0, 0xCE)));

        assertCodecError(decoded, ReplyCode.FRAME_ERROR, "unknown frame type 4");
    }

    @Test
    void aFrameAboveFrameMaxIsRefusedAsSoonAsItsHeaderArrives() {
        // Given only the 7-byte header of a body frame one byte larger than frame-max allows
        byte[] header = Bytes.of(3, 0, 1, 0, 0, 0x0F, 0xF9); // size 4089: 4097 bytes with header and end octet

        Frames.Decoded decoded = Frames.decode(new FrameDecoder(), List.of(header));

        // Then it is refused without waiting for (or buffering) the payload
        assertCodecError(decoded, ReplyCode.FRAME_ERROR, "exceeds frame-max 4096");
    }

    @Test
    void aFrameOfExactlyFrameMaxIsAccepted() {
        byte[] body = new byte[4096 - 8];
        Frames.Decoded decoded =
                Frames.decode(new FrameDecoder(), List.of(Bytes.written(out -> writeBody(out, 1, body))));

        assertThat(decoded.errors()).isEmpty();
        assertThat(((ContentBodyFrame) decoded.frames().getFirst()).payload().readableBytes())
                .isEqualTo(4088);
        decoded.release();
    }

    @Test
    void frameMaxCanBeRaisedAfterTuning() {
        FrameDecoder decoder = new FrameDecoder();
        decoder.setFrameMax(131_072);
        byte[] body = new byte[100_000];

        Frames.Decoded decoded = Frames.decode(decoder, List.of(Bytes.written(out -> writeBody(out, 1, body))));

        assertThat(decoded.errors()).isEmpty();
        assertThat(decoder.frameMax()).isEqualTo(131_072);
        decoded.release();
    }

    @Test
    void frameMaxBelowTheSpecMinimumIsRefused() {
        assertThatThrownBy(() -> new FrameDecoder(4095)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aHeartbeatWithAPayloadIsAFrameError() {
        Frames.Decoded decoded = Frames.decode(new FrameDecoder(), List.of(Bytes.of(8, 0, 0, 0, 0, 0, 1, 7, 0xCE)));

        assertCodecError(decoded, ReplyCode.FRAME_ERROR, "heartbeat");
    }

    @Test
    void aHeartbeatOnAnotherChannelIsPassedOnForTheConnectionToRefuse() {
        Frames.Decoded decoded = Frames.decode(new FrameDecoder(), List.of(Bytes.of(8, 0, 3, 0, 0, 0, 0, 0xCE)));

        assertThat(decoded.frames()).containsExactly(new HeartbeatFrame(3));
    }

    @Test
    void truncatedMethodArgumentsAreAFrameErrorAndTheNextFrameStillDecodes() {
        // Given a basic.ack frame whose payload stops inside the delivery tag, then a heartbeat
        byte[] truncated = Bytes.of(1, 0, 1, 0, 0, 0, 7, 0, 60, 0, 80, 0, 0, 0, 0xCE);
        byte[] heartbeat = Bytes.written(FrameEncoder::writeHeartbeat);

        Frames.Decoded decoded = Frames.decode(new FrameDecoder(), List.of(truncated, heartbeat));

        // Then the method is refused with its ids, and the framing goes on
        AmqpCodecException error = assertCodecError(decoded, ReplyCode.FRAME_ERROR, "cannot decode basic.ack");
        assertThat(error.classId()).isEqualTo(60);
        assertThat(error.methodId()).isEqualTo(80);
        assertThat(decoded.frames()).containsExactly(HeartbeatFrame.CHANNEL_ZERO);
    }

    @Test
    void aTableLengthBeyondThePayloadIsAFrameError() {
        // Given queue.declare whose arguments table claims 1000 bytes
        byte[] payload = Bytes.of(0, 50, 0, 10, 0, 0, 1, 'q', 0, 0, 0, 0x03, 0xE8);
        byte[] frame = Bytes.concat(Bytes.of(1, 0, 1, 0, 0, 0, payload.length), payload, Bytes.of(0xCE));

        Frames.Decoded decoded = Frames.decode(new FrameDecoder(), List.of(frame));

        assertCodecError(decoded, ReplyCode.FRAME_ERROR, "table needs 1000 bytes");
    }

    @Test
    void anUnknownMethodIsCommandInvalid() {
        byte[] frame = Bytes.of(1, 0, 1, 0, 0, 0, 4, 0, 60, 0, 99, 0xCE);

        Frames.Decoded decoded = Frames.decode(new FrameDecoder(), List.of(frame));

        AmqpCodecException error =
                assertCodecError(decoded, ReplyCode.COMMAND_INVALID, "unknown method 99 of class 60");
        assertThat(error.classId()).isEqualTo(60);
        assertThat(error.methodId()).isEqualTo(99);
    }

    @Test
    void anUnknownClassIsCommandInvalid() {
        byte[] frame = Bytes.of(1, 0, 1, 0, 0, 0, 4, 0, 70, 0, 10, 0xCE);

        assertCodecError(
                Frames.decode(new FrameDecoder(), List.of(frame)), ReplyCode.COMMAND_INVALID, "unknown class 70");
    }

    @Test
    void aContentHeaderShorterThanItsFixedPartIsAFrameError() {
        byte[] frame = Bytes.of(2, 0, 1, 0, 0, 0, 4, 0, 60, 0, 0, 0xCE);

        assertCodecError(Frames.decode(new FrameDecoder(), List.of(frame)), ReplyCode.FRAME_ERROR, "shorter");
    }

    @Test
    void aContentHeaderWithAWeightIsAnUnexpectedFrameAsRabbitMqSeesIt() {
        // the Java client's UnexpectedFrames test sends a method frame typed as a content header: 505, as RabbitMQ
        byte[] frame = Bytes.of(2, 0, 1, 0, 0, 0, 14, 0, 60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xCE);

        assertCodecError(Frames.decode(new FrameDecoder(), List.of(frame)), ReplyCode.UNEXPECTED_FRAME, "weight");
    }

    @Test
    void malformedBasicPropertiesAreRefusedBeforeTheyAreStored() {
        // Given a content header whose flags claim a content-type but carry no bytes for it
        byte[] frame = Bytes.of(2, 0, 1, 0, 0, 0, 14, 0, 60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0, 0xCE);

        assertCodecError(Frames.decode(new FrameDecoder(), List.of(frame)), ReplyCode.FRAME_ERROR, "shortstr");
    }

    @Test
    void propertiesOfAnUnknownContentClassArePassedOnForTheChannelToRefuse() {
        byte[] frame = Bytes.of(2, 0, 1, 0, 0, 0, 15, 0, 61, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xCE);

        Frames.Decoded decoded = Frames.decode(new FrameDecoder(), List.of(frame));

        assertThat(decoded.errors()).isEmpty();
        assertThat(((ContentHeaderFrame) decoded.frames().getFirst()).classId()).isEqualTo(61);
        decoded.release();
    }

    @Test
    void everySingleBitFlipIsDecodedOrRefusedCleanly() {
        byte[] all = conversation();
        int refused = 0;
        for (int bit = 0; bit < all.length * 8; bit++) {
            // Given the conversation with one bit flipped
            byte[] flipped = all.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));

            // When it is decoded
            Frames.Decoded decoded = Frames.decode(new FrameDecoder(), List.of(flipped));

            // Then nothing but an AmqpCodecException is raised, and every buffer is released below
            for (Throwable error : decoded.errors()) {
                assertThat(error).as("bit %d", bit).isInstanceOf(AmqpCodecException.class);
            }
            refused += decoded.errors().isEmpty() ? 0 : 1;
            decoded.release();
        }
        assertThat(refused).isPositive();
    }

    @Test
    void everyTruncationOfAFrameLeavesTheDecoderWaiting() {
        byte[] all = conversation();
        for (int length = 0; length < all.length; length++) {
            Frames.Decoded decoded = Frames.decode(new FrameDecoder(), List.of(Arrays.copyOf(all, length)));

            assertThat(decoded.errors()).as("first %d bytes", length).isEmpty();
            decoded.release();
        }
    }

    private static AmqpCodecException assertCodecError(Frames.Decoded decoded, ReplyCode code, String message) {
        assertThat(decoded.errors()).hasSize(1);
        Throwable error = decoded.errors().getFirst();
        assertThat(error).isInstanceOf(AmqpCodecException.class).hasMessageContaining(message);
        assertThat(((AmqpCodecException) error).code()).isEqualTo(code);
        decoded.release();
        return (AmqpCodecException) error;
    }

    private static void assertSameFrames(List<Frame> actual, List<Frame> expected, String description) {
        assertThat(actual).as(description).hasSameSizeAs(expected);
        for (int i = 0; i < actual.size(); i++) {
            assertThat(Deep.equal(actual.get(i), expected.get(i)))
                    .as("%s: frame %d %s vs %s", description, i, actual.get(i), expected.get(i))
                    .isTrue();
        }
    }
}
