package io.hermod.amqp.codec;

import static io.hermod.amqp.codec.Deep.assertDeepEquals;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Content properties: whole and one at a time, flag-word rules, and no allocation where the broker reads them. */
@ExtendWith(LeakCheck.class)
class BasicPropertiesTest {

    static final BasicProperties FULL = new BasicProperties(
            "application/json",
            "gzip",
            SampleTables.everyType(),
            2,
            255,
            "correlation-\u00e4",
            "amq.rabbitmq.reply-to",
            "60000",
            "message-1",
            1_700_000_000L,
            "order.created",
            "guest",
            "hermod-test",
            "cluster-1");

    /** Every property set alone, then all, then none. */
    static Stream<BasicProperties> samples() {
        RecordComponent[] components = BasicProperties.class.getRecordComponents();
        Stream<BasicProperties> single = Arrays.stream(components).map(c -> {
            Object[] values = new Object[components.length];
            values[Arrays.asList(components).indexOf(c)] = Deep.component(c, FULL);
            return construct(values);
        });
        return Stream.concat(single, Stream.of(FULL, BasicProperties.EMPTY));
    }

    @ParameterizedTest
    @MethodSource("samples")
    void propertiesSurviveARoundTrip(BasicProperties properties) {
        ByteBuf encoded = encode(properties);

        BasicProperties decoded = BasicProperties.decode(encoded);

        assertDeepEquals(decoded, properties);
        assertThat(bytes(decoded)).isEqualTo(ByteBufUtil.getBytes(encoded));
        encoded.release();
    }

    @ParameterizedTest
    @MethodSource("samples")
    void eachPropertyReadAloneEqualsTheWholeDecode(BasicProperties properties) throws Exception {
        ByteBuf encoded = encode(properties);
        int readerIndex = encoded.readerIndex();

        for (RecordComponent c : BasicProperties.class.getRecordComponents()) {
            Method of = BasicProperties.class.getMethod(c.getName() + "Of", ByteBuf.class);

            Object alone = of.invoke(null, encoded);

            assertThat(Deep.equal(alone, Deep.component(c, properties)))
                    .as(c.getName())
                    .isTrue();
        }
        assertThat(encoded.readerIndex()).isEqualTo(readerIndex);
        assertThat(encoded.refCnt()).isEqualTo(1);
        encoded.release();
    }

    @Test
    void flagsFollowTheSpecOrderFromBit15() {
        ByteBuf encoded = encode(
                new BasicProperties("t", null, null, 1, null, null, null, null, null, null, null, null, null, "c"));

        // content-type is bit 15, delivery-mode bit 12, cluster-id bit 2
        assertThat(encoded.getUnsignedShort(0)).isEqualTo(0x8000 | 0x1000 | 0x0004);
        assertThat(BasicProperties.FLAG_CLUSTER_ID).isEqualTo(0x0004);
        encoded.release();
    }

    @Test
    void aTimestampIsAny64BitValueAndComesBackAsItWent() {
        // as RabbitMQ, which passes the bits through: nanoseconds since the epoch, and random 63-bit values (the Go
        // client's own tests), are beyond java.time.Instant
        for (long seconds : new long[] {1_700_000_000_000_000_000L, 2_214_777_780_832_422_631L, -1L, Long.MIN_VALUE}) {
            ByteBuf encoded = encode(new BasicProperties(
                    null, null, null, 2, null, null, null, null, null, seconds, null, null, null, null));

            BasicProperties.validate(encoded);
            assertThat(BasicProperties.decode(encoded).timestamp()).isEqualTo(seconds);
            assertThat(BasicProperties.timestampOf(encoded)).isEqualTo(seconds);
            encoded.release();
        }
    }

    @Test
    void aContinuationFlagWordWithNothingInItIsAccepted() {
        // flags: delivery-mode present + continuation; then an empty second word; then delivery-mode 2
        ByteBuf encoded = Unpooled.wrappedBuffer(Bytes.of(0x10, 0x01, 0x00, 0x00, 2));

        assertThat(BasicProperties.decode(encoded).deliveryMode()).isEqualTo(2);
        assertThat(BasicProperties.deliveryModeOf(encoded)).isEqualTo(2);
        BasicProperties.validate(encoded);
        encoded.release();
    }

    @Test
    void flagsOfPropertiesTheSpecDoesNotDefineAreASyntaxError() {
        // bit 1 of the first word would be a 15th property; a continuation word may flag none either
        assertRefused(Bytes.of(0x00, 0x02), ReplyCode.SYNTAX_ERROR, true);
        assertRefused(Bytes.of(0x00, 0x01, 0x80, 0x00), ReplyCode.SYNTAX_ERROR, true);
    }

    @Test
    void truncatedOrOverlongPropertiesAreAFrameError() {
        byte[] whole = bytes(FULL);
        for (int length = 0; length < whole.length; length++) {
            // the last property is the one cut short, so reading it alone fails too
            assertRefused(Arrays.copyOf(whole, length), ReplyCode.FRAME_ERROR, true);
        }
        // reading one property checks the bytes up to it, not what follows the last one
        assertRefused(Bytes.concat(whole, Bytes.of(0)), ReplyCode.FRAME_ERROR, false);
    }

    @Test
    void aTextPropertyThatIsNotUtf8IsASyntaxError() {
        // reading another property alone skips this one unchecked: validation at the door is what guards
        assertRefused(Bytes.of(0x80, 0x00, 1, 0xFF), ReplyCode.SYNTAX_ERROR, false);
        assertThat(catchThrowable(
                        () -> BasicProperties.contentTypeOf(Unpooled.wrappedBuffer(Bytes.of(0x80, 0, 1, 0xFF)))))
                .isInstanceOf(AmqpCodecException.class);
    }

    @Test
    void validationAgreesWithDecodingForEveryBitFlip() {
        byte[] whole = bytes(FULL);
        for (int bit = 0; bit < whole.length * 8; bit++) {
            byte[] flipped = whole.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            ByteBuf buffer = Unpooled.wrappedBuffer(flipped);

            Throwable decodeError = catchThrowable(() -> BasicProperties.decode(buffer));
            Throwable validateError = catchThrowable(() -> BasicProperties.validate(buffer));

            if (decodeError == null) {
                assertThat(validateError).as("bit %d", bit).isNull();
            } else {
                assertThat(decodeError).as("bit %d", bit).isInstanceOf(AmqpCodecException.class);
                assertThat(validateError).as("bit %d", bit).isInstanceOf(AmqpCodecException.class);
            }
            buffer.release();
        }
    }

    @Test
    void readingWhatTheBrokerNeedsAllocatesNothing() {
        // Given the encoded properties of a typical persistent message with headers (of every type), in a plain
        // buffer (a leak-tracking wrapper would record every access)
        ByteBuf encoded = Unpooled.wrappedBuffer(bytes(new BasicProperties(
                "application/json",
                null,
                SampleTables.everyType(),
                2,
                5,
                "correlation-1",
                "reply-queue",
                "60000",
                null,
                1_700_000_000L,
                null,
                null,
                "app",
                null)));
        long[] sink = new long[1];
        Runnable reads = () -> {
            Integer mode = BasicProperties.deliveryModeOf(encoded);
            Integer priority = BasicProperties.priorityOf(encoded);
            BasicProperties.validate(encoded);
            sink[0] += mode + priority;
        };
        for (int i = 0; i < 20_000; i++) {
            reads.run(); // warm up
        }

        // When delivery mode and priority are read and the whole list validated many times
        long allocated = allocatedBytes(reads, 10_000);

        // Then (almost) nothing is allocated: a single object per call would be 160 kB
        assertThat(allocated).isLessThan(16_000);
        encoded.release();
    }

    @Test
    void octetPropertiesAreRangeChecked() {
        assertThatThrownBy(() -> BasicProperties.EMPTY.withPriority(256)).isInstanceOf(IllegalArgumentException.class);
        assertThat(BasicProperties.EMPTY.withPriority(9).priority()).isEqualTo(9);
    }

    @Test
    void witherReplacesOneProperty() {
        Map<String, Object> headers = Map.of("x-death", "once");

        BasicProperties changed = FULL.withHeaders(headers);

        assertThat(changed.headers()).isSameAs(headers);
        assertThat(changed.withHeaders(FULL.headers())).isEqualTo(FULL);
    }

    // --- helpers

    private static ByteBuf encode(BasicProperties properties) {
        ByteBuf out = Unpooled.buffer();
        properties.encode(out);
        return out;
    }

    private static byte[] bytes(BasicProperties properties) {
        return Bytes.written(properties::encode);
    }

    private static void assertRefused(byte[] bytes, ReplyCode code, boolean lastPropertyAloneToo) {
        ByteBuf buffer = Unpooled.wrappedBuffer(bytes);
        try {
            List<Runnable> readings = new ArrayList<>(
                    List.of(() -> BasicProperties.decode(buffer), () -> BasicProperties.validate(buffer)));
            if (lastPropertyAloneToo) {
                readings.add(() -> BasicProperties.clusterIdOf(buffer));
            }
            for (Runnable reading : readings) {
                Throwable error = catchThrowable(reading::run);
                assertThat(error).as("%s", Arrays.toString(bytes)).isInstanceOf(AmqpCodecException.class);
                assertThat(((AmqpCodecException) error).code()).isEqualTo(code);
            }
        } finally {
            buffer.release();
        }
    }

    private static BasicProperties construct(Object[] values) {
        try {
            Class<?>[] types = Arrays.stream(BasicProperties.class.getRecordComponents())
                    .map(RecordComponent::getType)
                    .toArray(Class<?>[]::new);
            Constructor<BasicProperties> constructor = BasicProperties.class.getConstructor(types);
            return constructor.newInstance(values);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    private static long allocatedBytes(Runnable action, int times) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().threadId();
        long before = threads.getThreadAllocatedBytes(thread);
        for (int i = 0; i < times; i++) {
            action.run();
        }
        return threads.getThreadAllocatedBytes(thread) - before;
    }
}
