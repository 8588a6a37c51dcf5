package io.hermod.broker.definitions;

import static io.hermod.broker.definitions.TestDefinitions.canonical;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.hermod.broker.BrokerException;
import io.hermod.broker.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ArgumentsCodecTest {

    @Test
    void everyValueTypeOfTheValueModelRoundTripsWithItsExactType() {
        for (Object value : TestDefinitions.sampleValues()) {
            // given a value the value model accepts
            Object accepted = Arguments.copyOf(Map.of("v", value == null ? "placeholder" : value));
            assertThat(accepted).isNotNull();

            // when it is encoded and decoded
            Object decoded = ArgumentsCodec.decodeValue(ArgumentsCodec.encodeValue(value));

            // then it is the same value of the same type
            assertThat(canonical(decoded)).as(canonical(value)).isEqualTo(canonical(value));
        }
    }

    @Test
    void aTableWithEveryValueNestedInListsAndTablesRoundTripsInOrder() {
        Map<String, Object> table = TestDefinitions.everyValueTable();

        Map<String, Object> decoded = ArgumentsCodec.decodeTable(ArgumentsCodec.encodeTable(table));

        assertThat(canonical(decoded)).isEqualTo(canonical(table));
        assertThat(decoded.keySet()).containsExactlyElementsOf(table.keySet());
    }

    @Test
    void emptyAndNullTablesEncodeAsTheEmptyTable() {
        assertThat(ArgumentsCodec.encodeTable(Map.of())).containsExactly(1, 0);
        assertThat(ArgumentsCodec.encodeTable(null)).containsExactly(1, 0);
        assertThat(ArgumentsCodec.decodeTable(new byte[] {1, 0})).isEmpty();
    }

    @Test
    void theEncodingIsCompactAndPinned() {
        // given a table with a string, a small int and a boolean
        Map<String, Object> table = new LinkedHashMap<>();
        table.put("a", "b");
        table.put("n", -2);
        table.put("t", true);

        // then the bytes are exactly the documented layout
        assertThat(ArgumentsCodec.encodeTable(table))
                .containsExactly(1, 3, 1, 'a', 'S', 1, 'b', 1, 'n', 'I', 3, 1, 't', 't', 1);
    }

    @Test
    void decodedTablesAndListsAreUnmodifiable() {
        Map<String, Object> decoded =
                ArgumentsCodec.decodeTable(ArgumentsCodec.encodeTable(Map.of("l", List.of(1, 2), "m", Map.of("a", 1))));

        assertThatThrownBy(() -> decoded.put("x", 1)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> ((List<?>) decoded.get("l")).clear())
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void nestingUpToTheDepthLimitRoundTripsAndDeeperIsRefusedOnEncoding() {
        Map<String, Object> deepest = nestedTables(ArgumentsCodec.MAX_DEPTH);
        assertThat(canonical(ArgumentsCodec.decodeTable(ArgumentsCodec.encodeTable(deepest))))
                .isEqualTo(canonical(deepest));

        assertThatThrownBy(() -> ArgumentsCodec.encodeTable(nestedTables(ArgumentsCodec.MAX_DEPTH + 1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("deeper than 64");
        assertThatThrownBy(() -> ArgumentsCodec.encodeValue(nestedLists(ArgumentsCodec.MAX_DEPTH)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("deeper than 64");
    }

    @Test
    void deeplyNestedGarbageFailsCleanlyWithoutExhaustingTheStack() {
        // given 100,000 nested one-element lists
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(1);
        for (int i = 0; i < 100_000; i++) {
            bytes.write('A');
            bytes.write(1);
        }
        bytes.write('V');

        assertThatThrownBy(() -> ArgumentsCodec.decodeValue(bytes.toByteArray()))
                .isInstanceOf(BrokerException.class)
                .hasMessageContaining("deeper than 64");
    }

    @Test
    void aCountLargerThanTheInputIsRefusedBeforeAnythingIsAllocated() {
        byte[] hugeTable = {1, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07};
        byte[] hugeString = {1, 'S', (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F};

        assertThatThrownBy(() -> ArgumentsCodec.decodeTable(hugeTable))
                .isInstanceOf(BrokerException.class)
                .hasMessageContaining("table entry count 2147483647 exceeds the 0 bytes that remain");
        assertThatThrownBy(() -> ArgumentsCodec.decodeValue(hugeString))
                .isInstanceOf(BrokerException.class)
                .hasMessageContaining("string value length");
    }

    @Test
    void garbageIsReportedAsAStorageFailureNamingTheProblem() {
        assertThatThrownBy(() -> ArgumentsCodec.decodeTable(new byte[] {2, 0}))
                .isInstanceOf(BrokerException.class)
                .hasMessageContaining("unknown arguments format version 2")
                .satisfies(e -> assertThat(((BrokerException) e).code()).isEqualTo(ErrorCode.STORAGE_FAILED));
        assertThatThrownBy(() -> ArgumentsCodec.decodeValue(new byte[] {1, 'Q'}))
                .isInstanceOf(BrokerException.class)
                .hasMessageContaining("unknown value tag 81");
        assertThatThrownBy(() -> ArgumentsCodec.decodeValue(new byte[] {1, 't', 2}))
                .hasMessageContaining("boolean value 2");
        assertThatThrownBy(() -> ArgumentsCodec.decodeValue(new byte[] {1, 'S', 2, (byte) 0xC3, 0x28}))
                .hasMessageContaining("not valid UTF-8");
        assertThatThrownBy(() -> ArgumentsCodec.decodeTable(new byte[] {1, 2, 1, 'a', 'V', 1, 'a', 'V'}))
                .hasMessageContaining("duplicate table key 'a'");
        assertThatThrownBy(() -> ArgumentsCodec.decodeValue(new byte[] {1, 'V', 0}))
                .hasMessageContaining("1 bytes left over");
        assertThatThrownBy(() -> ArgumentsCodec.decodeValue(new byte[] {1, 'D', 0, 0}))
                .hasMessageContaining("decimal digits length 0");
        assertThatThrownBy(() -> ArgumentsCodec.decodeValue(
                        new byte[] {1, 'T', 0, (byte) 0x80, (byte) 0x94, (byte) 0xEB, (byte) 0xDC, 0x03}))
                .hasMessageContaining("timestamp nanos 1000000000");
        assertThatThrownBy(() -> ArgumentsCodec.decodeValue(
                        new byte[] {1, 'I', (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0x1F}))
                .hasMessageContaining("wider than 32 bits");
    }

    @Test
    void valuesOutsideTheValueModelAreRefusedOnEncoding() {
        assertThatThrownBy(() -> ArgumentsCodec.encodeValue('c'))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("java.lang.Character");
        Map<Object, Object> intKeys = Map.of(1, "one");
        assertThatThrownBy(() -> ArgumentsCodec.encodeValue(intKeys))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("keys must be non-null strings");
    }

    @Test
    void aStringThatIsNotValidUnicodeIsRefusedRatherThanChanged() {
        assertThatThrownBy(() -> ArgumentsCodec.encodeTable(Map.of("k", "broken \uD800 surrogate")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not valid Unicode");
    }

    @Test
    void everyTruncationOfAValidEncodingFailsCleanly() {
        for (byte[] valid : fuzzSeeds()) {
            for (int length = 0; length < valid.length; length++) {
                byte[] truncated = Arrays.copyOf(valid, length);
                assertThatThrownBy(() -> ArgumentsCodec.decodeTable(truncated))
                        .as("truncated to %d of %d bytes", length, valid.length)
                        .isInstanceOf(BrokerException.class);
            }
        }
    }

    @Test
    void everyBitFlipOfAValidEncodingDecodesOrFailsCleanly() {
        for (byte[] valid : fuzzSeeds()) {
            for (int bit = 0; bit < valid.length * 8; bit++) {
                byte[] flipped = valid.clone();
                flipped[bit / 8] ^= (byte) (1 << (bit % 8));
                decodesOrFailsCleanly(flipped, "bit " + bit + " flipped");
            }
        }
    }

    @Test
    void randomBytesDecodeOrFailCleanly() {
        long seed = 20_240_601L;
        Random random = new Random(seed);
        byte[] tags = {'V', 'S', 't', 'b', 's', 'I', 'l', 'f', 'd', 'D', 'T', 'x', 'A', 'F'};
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes = new byte[random.nextInt(64)];
            random.nextBytes(bytes);
            if (bytes.length > 0 && random.nextBoolean()) {
                bytes[0] = 1; // a valid version: get past it more often
            }
            if (bytes.length > 2 && random.nextBoolean()) {
                bytes[1] = 1;
                bytes[2] = 0;
                for (int j = 3; j < bytes.length; j++) {
                    if (random.nextInt(3) == 0) {
                        bytes[j] = tags[random.nextInt(tags.length)];
                    }
                }
            }
            decodesOrFailsCleanly(bytes, "random input, seed " + seed);
        }
    }

    private static void decodesOrFailsCleanly(byte[] bytes, String what) {
        Map<String, Object> decoded;
        try {
            decoded = ArgumentsCodec.decodeTable(bytes);
        } catch (BrokerException expected) {
            assertThat(expected.code()).isEqualTo(ErrorCode.STORAGE_FAILED);
            return;
        } catch (RuntimeException | Error e) {
            throw new AssertionError(what + ": " + e + " instead of a clean failure", e);
        }
        // whatever decodes is a valid table: it encodes and decodes to itself
        try {
            assertThat(canonical(ArgumentsCodec.decodeTable(ArgumentsCodec.encodeTable(decoded))))
                    .as(what)
                    .isEqualTo(canonical(decoded));
            Arguments.copyOf(decoded);
        } catch (RuntimeException e) {
            fail(what + ": decoded a table that does not round-trip: " + e, e);
        }
    }

    /** Valid encodings small enough to fuzz byte by byte: every short sample value, also nested. */
    private static List<byte[]> fuzzSeeds() {
        Map<String, Object> table = new LinkedHashMap<>();
        List<Object> small = new ArrayList<>();
        for (Object value : TestDefinitions.sampleValues()) {
            if (ArgumentsCodec.encodeValue(value).length <= 300) {
                small.add(value);
                table.put("k" + table.size(), value);
            }
        }
        table.put("list", small);
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("inner", Map.of("a", List.of(Map.of("b", 1L))));
        return List.of(ArgumentsCodec.encodeTable(table), ArgumentsCodec.encodeTable(nested));
    }

    private static Map<String, Object> nestedTables(int depth) {
        Map<String, Object> table = Map.of("leaf", 1);
        for (int i = 1; i < depth; i++) {
            table = Map.of("d" + i, table);
        }
        return table;
    }

    /** A value that is {@code depth} lists deep. */
    private static Object nestedLists(int depth) {
        Object value = "leaf";
        for (int i = 0; i < depth; i++) {
            value = List.of(value);
        }
        return value;
    }
}
