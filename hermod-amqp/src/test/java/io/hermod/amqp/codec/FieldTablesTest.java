package io.hermod.amqp.codec;

import static io.hermod.amqp.codec.Deep.assertDeepEquals;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.hermod.broker.definitions.Arguments;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Field tables: every RabbitMQ field type, the broker's value model, bounds, nesting and garbage. */
@ExtendWith(LeakCheck.class)
class FieldTablesTest {

    @Test
    void aTableOfEveryTypeSurvivesARoundTrip() {
        Map<String, Object> table = SampleTables.everyType();

        Map<String, Object> decoded = read(Bytes.written(out -> FieldTables.write(table, out)));

        assertDeepEquals(decoded, table);
    }

    @Test
    void decodedTablesAreInTheBrokersValueModel() {
        // Given a decoded table of every type
        Map<String, Object> decoded = read(Bytes.written(out -> FieldTables.write(SampleTables.everyType(), out)));

        // Then the broker accepts it as arguments and finds it equivalent to the original
        Map<String, Object> arguments = Arguments.copyOf(decoded);
        assertThat(Arguments.equivalent(arguments, SampleTables.everyType())).isTrue();
    }

    @Test
    void unsignedTypesDecodeToTheNextWiderJavaType() {
        // Given B=255, u=65535, i=4294967295 and RabbitMQ's L (signed 64-bit)
        byte[] entries = Bytes.concat(
                entry("B", 'B', Bytes.of(0xFF)),
                entry("u", 'u', Bytes.of(0xFF, 0xFF)),
                entry("i", 'i', Bytes.of(0xFF, 0xFF, 0xFF, 0xFF)),
                entry("L", 'L', Bytes.of(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE)));

        Map<String, Object> decoded = read(table(entries));

        assertThat(decoded)
                .containsEntry("B", (short) 255)
                .containsEntry("u", 65_535)
                .containsEntry("i", 4_294_967_295L)
                .containsEntry("L", -2L);
        assertThat(Arguments.copyOf(decoded)).hasSize(4);
    }

    @Test
    void aLongStringIsTextWhenValidUtf8AndBytesOtherwise() {
        byte[] entries = Bytes.concat(
                entry("text", 'S', longString(Bytes.of(0xC3, 0xA4))), entry("binary", 'S', longString(Bytes.of(0xC3))));

        Map<String, Object> decoded = read(table(entries));

        assertThat(decoded.get("text")).isEqualTo("\u00e4");
        assertThat(decoded.get("binary")).isEqualTo(Bytes.of(0xC3));
    }

    @Test
    void theFirstOfTwoFieldsWithTheSameNameCounts() {
        byte[] entries = Bytes.concat(entry("k", 'V', new byte[0]), entry("k", 'I', Bytes.of(0, 0, 0, 1)));

        Map<String, Object> decoded = read(table(entries));

        assertThat(decoded).hasSize(1).containsEntry("k", null);
    }

    @Test
    void decodedTablesKeepTheWireOrderAndAreUnmodifiable() {
        Map<String, Object> decoded = read(Bytes.written(out -> FieldTables.write(SampleTables.everyType(), out)));

        assertThat(decoded.keySet())
                .containsExactlyElementsOf(SampleTables.everyType().keySet());
        assertThatThrownBy(() -> decoded.put("x", 1)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void anEmptyOrNullTableIsFourZeroBytes() {
        assertThat(Bytes.written(out -> FieldTables.write(null, out))).isEqualTo(Bytes.of(0, 0, 0, 0));
        assertThat(Bytes.written(out -> FieldTables.write(Map.of(), out))).isEqualTo(Bytes.of(0, 0, 0, 0));
        assertThat(read(Bytes.of(0, 0, 0, 0))).isEmpty();
    }

    @Test
    void tablesNestAsDeepAsTheBrokerAllowsAndNoDeeper() {
        // Given tables nested so that the innermost value is at the deepest allowed level, and one level more
        Map<String, Object> deepest = nested(FieldTables.MAX_DEPTH);
        Map<String, Object> tooDeep = nested(FieldTables.MAX_DEPTH + 1);

        // Then the first decodes and the broker takes it; the second is refused both ways
        Map<String, Object> decoded = read(Bytes.written(out -> FieldTables.write(deepest, out)));
        assertThat(Arguments.copyOf(decoded)).isNotEmpty();
        assertThat(FieldTables.MAX_DEPTH).isEqualTo(Arguments.MAX_DEPTH);
        assertThatThrownBy(() -> Bytes.written(out -> FieldTables.write(tooDeep, out)))
                .isInstanceOf(IllegalArgumentException.class);
        byte[] tooDeepBytes = Bytes.concat(nestedBytes(FieldTables.MAX_DEPTH));
        assertCodecError(() -> read(tooDeepBytes), ReplyCode.SYNTAX_ERROR, "deeper than 64");
    }

    @Test
    void aTableContainingItselfIsRefusedNotOverflowed() {
        Map<String, Object> loop = new HashMap<>();
        loop.put("self", loop);

        assertThatThrownBy(() -> Bytes.written(out -> FieldTables.write(loop, out)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void valuesOutsideTheModelAreRefusedOnEncoding() {
        assertThatThrownBy(() -> Bytes.written(out -> FieldTables.write(Map.of("d", new Date()), out)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("java.util.Date");
        assertThatThrownBy(() -> Bytes.written(out -> FieldTables.write(Map.of("x".repeat(256), 1), out)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() ->
                        Bytes.written(out -> FieldTables.write(Map.of("d", new BigDecimal("1").setScale(256)), out)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() ->
                        Bytes.written(out -> FieldTables.write(Map.of("d", new BigDecimal("2147483648")), out)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aDecimalWithANegativeScaleIsWrittenAtScaleZero() {
        Map<String, Object> decoded =
                read(Bytes.written(out -> FieldTables.write(Map.of("d", new BigDecimal("1E+3")), out)));

        assertThat(decoded.get("d")).isEqualTo(new BigDecimal("1000"));
    }

    @Test
    void timestampsAreWholeSeconds() {
        Map<String, Object> decoded = read(Bytes.written(
                out -> FieldTables.write(Map.of("t", Instant.ofEpochSecond(1_700_000_000L, 999)), out)));

        assertThat(decoded.get("t")).isEqualTo(Instant.ofEpochSecond(1_700_000_000L));
    }

    @Test
    void aTimestampBeyondInstantIsKeptAsItsBitsAndWrittenBackTheSame() {
        byte[] wire = Bytes.written(out -> {
            out.writeInt(1 + 1 + 1 + 8);
            out.writeByte(1).writeByte('t').writeByte('T').writeLong(1_700_000_000_000_000_000L);
        });

        Map<String, Object> decoded = read(wire);

        assertThat(decoded.get("t")).isEqualTo(new FieldTables.BeyondInstant(1_700_000_000_000_000_000L));
        assertThat(Bytes.written(out -> FieldTables.write(decoded, out))).isEqualTo(wire);
    }

    @Test
    void aLengthBeyondTheBufferIsAFrameError() {
        assertCodecError(() -> read(Bytes.of(0, 0, 0, 9, 1, 'k', 'V')), ReplyCode.FRAME_ERROR, "table needs 9");
        assertCodecError(
                () -> read(table(entry("s", 'S', Bytes.of(0, 0, 0, 5, 'a')))), ReplyCode.FRAME_ERROR, "long string");
        assertCodecError(() -> read(Bytes.of(0, 0)), ReplyCode.FRAME_ERROR, "table length");
    }

    @Test
    void anUnknownFieldTypeIsASyntaxError() {
        assertCodecError(() -> read(table(entry("k", 'Z', Bytes.of(0)))), ReplyCode.SYNTAX_ERROR, "'Z'");
        // the 0-9-1 text's short string 's' is RabbitMQ's signed short; its 'U' is not accepted
        assertCodecError(() -> read(table(entry("k", 'U', Bytes.of(0, 1)))), ReplyCode.SYNTAX_ERROR, "'U'");
    }

    @Test
    void aFieldNameThatIsNotUtf8IsASyntaxError() {
        byte[] entries = Bytes.concat(Bytes.of(1, 0xFF), Bytes.of('V'));

        assertCodecError(() -> read(table(entries)), ReplyCode.SYNTAX_ERROR, "UTF-8");
    }

    @Test
    void everyTruncationOfATableIsAFrameError() {
        byte[] whole = Bytes.written(out -> FieldTables.write(SampleTables.everyType(), out));
        for (int length = 0; length < whole.length; length++) {
            byte[] truncated = Arrays.copyOf(whole, length);

            Throwable error = catchThrowable(() -> read(truncated));

            assertThat(error).as("first %d bytes", length).isInstanceOf(AmqpCodecException.class);
            assertThat(((AmqpCodecException) error).code()).isEqualTo(ReplyCode.FRAME_ERROR);
        }
    }

    @Test
    void validationAgreesWithDecodingForEveryBitFlip() {
        byte[] whole = Bytes.written(out -> FieldTables.write(SampleTables.everyType(), out));
        for (int bit = 0; bit < whole.length * 8; bit++) {
            byte[] flipped = whole.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            ByteBuf buffer = Unpooled.wrappedBuffer(flipped);

            Throwable readError = catchThrowable(() -> FieldTables.readAt(buffer, 0, flipped.length));
            Throwable validateError = catchThrowable(() -> FieldTables.validate(buffer, 0, flipped.length));

            if (readError == null) {
                assertThat(validateError).as("bit %d", bit).isNull();
            } else {
                assertThat(readError).as("bit %d", bit).isInstanceOf(AmqpCodecException.class);
                assertThat(validateError).as("bit %d", bit).isInstanceOf(AmqpCodecException.class);
                assertThat(((AmqpCodecException) validateError).code())
                        .isEqualTo(((AmqpCodecException) readError).code());
            }
            buffer.release();
        }
    }

    @Test
    void readingConsumesExactlyTheTable() {
        ByteBuf in = Unpooled.wrappedBuffer(Bytes.concat(Bytes.of(0, 0, 0, 2, 1, 'k', 'V'), Bytes.of(42)));

        // the 2-byte table ends before the name's type octet would: the declared length bounds the entries
        Throwable error = catchThrowable(() -> FieldTables.read(in));
        assertThat(error).isInstanceOf(AmqpCodecException.class);
        in.release();

        ByteBuf ok = Unpooled.wrappedBuffer(Bytes.concat(Bytes.of(0, 0, 0, 3, 1, 'k', 'V'), Bytes.of(42)));
        assertThat(FieldTables.read(ok)).containsEntry("k", null);
        assertThat(ok.readableBytes()).isEqualTo(1);
        ok.release();
    }

    // --- helpers

    private static Map<String, Object> read(byte[] bytes) {
        ByteBuf in = Unpooled.wrappedBuffer(bytes);
        try {
            Map<String, Object> table = FieldTables.read(in);
            assertThat(in.isReadable()).isFalse();
            return table;
        } finally {
            in.release();
        }
    }

    /** A table of the given encoded entries. */
    static byte[] table(byte[] entries) {
        return Bytes.concat(
                Bytes.of(entries.length >>> 24, entries.length >>> 16, entries.length >>> 8, entries.length), entries);
    }

    static byte[] entry(String name, char type, byte[] value) {
        return Bytes.concat(Bytes.of(name.length()), name.getBytes(), Bytes.of(type), value);
    }

    static byte[] longString(byte[] content) {
        return Bytes.concat(Bytes.of(0, 0, 0, content.length), content);
    }

    /** A table whose single value nests {@code depth - 1} tables, the innermost holding a value at {@code depth}. */
    private static Map<String, Object> nested(int depth) {
        Map<String, Object> table = new LinkedHashMap<>();
        table.put("leaf", 1);
        for (int level = depth - 1; level > 0; level--) {
            Map<String, Object> outer = new LinkedHashMap<>();
            outer.put("n", table);
            table = outer;
        }
        return table;
    }

    /** The wire form of {@code levels + 1} nested tables whose innermost value is one level too deep. */
    private static byte[] nestedBytes(int levels) {
        byte[] table = table(entry("leaf", 'V', new byte[0]));
        for (int level = 0; level < levels; level++) {
            table = table(entry("n", 'F', table));
        }
        return table;
    }

    private static void assertCodecError(Runnable decoding, ReplyCode code, String message) {
        Throwable error = catchThrowable(decoding::run);
        assertThat(error).isInstanceOf(AmqpCodecException.class).hasMessageContaining(message);
        assertThat(((AmqpCodecException) error).code()).isEqualTo(code);
    }
}
