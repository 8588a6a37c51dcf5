package io.hermod.broker.definitions;

import static io.hermod.broker.definitions.TestDefinitions.canonical;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hermod.broker.BrokerException;
import io.hermod.broker.ErrorCode;
import io.hermod.broker.definitions.DefinitionRecord.ExchangeAdded;
import io.hermod.broker.definitions.DefinitionRecord.PermissionRemoved;
import io.hermod.broker.definitions.DefinitionRecord.PermissionSet;
import io.hermod.broker.definitions.DefinitionRecord.QueueAdded;
import io.hermod.broker.definitions.DefinitionRecord.UserAdded;
import io.hermod.broker.definitions.DefinitionRecord.UserRemoved;
import io.hermod.broker.definitions.DefinitionRecord.VhostAdded;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class DefinitionCodecTest {

    @Test
    void theSamplesCoverEveryRecordType() {
        Set<Class<?>> sampled =
                TestDefinitions.sampleRecords().stream().map(Object::getClass).collect(Collectors.toSet());

        assertThat(sampled).containsExactlyInAnyOrderElementsOf(recordTypes(DefinitionRecord.class));
    }

    /** The record classes under a sealed interface, through its sealed sub-interfaces. */
    private static List<Class<?>> recordTypes(Class<?> sealed) {
        return Arrays.stream(sealed.getPermittedSubclasses())
                .flatMap(c -> c.isInterface() ? recordTypes(c).stream() : java.util.stream.Stream.of(c))
                .toList();
    }

    @Test
    void everyRecordTypeRoundTripsWithEveryFlagAndArgument() {
        for (DefinitionRecord record : TestDefinitions.sampleRecords()) {
            DefinitionRecord decoded = DefinitionCodec.decode(DefinitionCodec.encode(record));

            assertThat(canonical(decoded)).isEqualTo(canonical(record));
        }
    }

    @Test
    void decodingReadsFromTheBufferPositionWithoutMovingIt() {
        byte[] encoded = DefinitionCodec.encode(new VhostAdded("/"));
        ByteBuffer buffer = ByteBuffer.allocate(encoded.length + 10);
        buffer.position(5).put(encoded).flip().position(5);

        assertThat(DefinitionCodec.decode(buffer)).isEqualTo(new VhostAdded("/"));
        assertThat(buffer.position()).isEqualTo(5);
    }

    @Test
    void theEncodingIsPinned() {
        assertThat(DefinitionCodec.encode(new VhostAdded("/"))).containsExactly(1, 1, 1, '/');
        assertThat(DefinitionCodec.encode(new ExchangeAdded(
                        new ExchangeDefinition("v", "x", "t", true, false, true, Map.of("a", (byte) 5)))))
                .containsExactly(1, 3, 1, 'v', 1, 'x', 1, 't', 0b101, 1, 1, 'a', 'b', 5);
        assertThat(DefinitionCodec.encode(
                        new QueueAdded(new QueueDefinition("v", "q", "s", false, true, false, Map.of()))))
                .containsExactly(1, 5, 1, 'v', 1, 'q', 1, 's', 0b010, 0);
        assertThat(DefinitionCodec.encode(new UserRemoved("u"))).containsExactly(1, 10, 1, 'u');
        assertThat(DefinitionCodec.encode(new PermissionSet(new PermissionDefinition("v", "u", ".*", "", "^q$"))))
                .containsExactly(1, 11, 1, 'v', 1, 'u', 2, '.', '*', 0, 3, '^', 'q', '$');
        assertThat(DefinitionCodec.encode(new PermissionRemoved("v", "u"))).containsExactly(1, 12, 1, 'v', 1, 'u');
    }

    @Test
    void aUserIsEncodedWithItsHashAlgorithmHashAndSortedTags() {
        PasswordHash hash = PasswordHash.withSalt(new byte[] {1, 2, 3, 4}, "pw".getBytes(StandardCharsets.UTF_8));
        byte[] encoded = DefinitionCodec.encode(new UserAdded(new UserDefinition("u", hash, List.of("b", "a"))));

        ByteBuffer expected = ByteBuffer.allocate(encoded.length)
                .put(new byte[] {1, 9, 1, 'u', 1, 36})
                .put(hash.bytes())
                .put(new byte[] {2, 1, 'a', 1, 'b'});
        assertThat(encoded).containsExactly(expected.array());
    }

    @Test
    void anUnknownHashAlgorithmOrAHashOfTheWrongLengthIsNamed() {
        byte[] valid = DefinitionCodec.encode(new UserAdded(new UserDefinition("u", PasswordHash.of("pw"), List.of())));
        byte[] otherAlgorithm = valid.clone();
        otherAlgorithm[4] = 2;
        byte[] shortHash = Arrays.copyOf(valid, valid.length - 1);
        shortHash[5] = 35;

        assertThatThrownBy(() -> DefinitionCodec.decode(otherAlgorithm))
                .isInstanceOf(BrokerException.class)
                .hasMessageContaining("unknown password hash algorithm 2");
        assertThatThrownBy(() -> DefinitionCodec.decode(shortHash))
                .isInstanceOf(BrokerException.class)
                .hasMessageContaining("a password hash has 36 bytes, not 35");
    }

    @Test
    void unknownVersionsTagsFlagsAndTrailingBytesAreNamed() {
        assertThatThrownBy(() -> DefinitionCodec.decode(new byte[] {2, 1, 1, '/'}))
                .isInstanceOf(BrokerException.class)
                .hasMessageContaining("unknown definition record version 2");
        assertThatThrownBy(() -> DefinitionCodec.decode(new byte[] {1, 15, 1, '/'}))
                .isInstanceOf(BrokerException.class)
                .hasMessageContaining("unknown definition record tag 15");
        assertThatThrownBy(() -> DefinitionCodec.decode(new byte[] {1, 1, 1, '/', 0}))
                .isInstanceOf(BrokerException.class)
                .hasMessageContaining("1 bytes left over");
        assertThatThrownBy(() -> DefinitionCodec.decode(new byte[] {1, 5, 1, 'v', 1, 'q', 1, 's', 0x08, 0}))
                .isInstanceOf(BrokerException.class)
                .hasMessageContaining("queue flags 0x8 set unknown bits");
        assertThatThrownBy(() -> DefinitionCodec.decode(new byte[] {1, 7, 1, 'v', 1, 's', 2, 1, 'd', 0, 0}))
                .isInstanceOf(BrokerException.class)
                .hasMessageContaining("unknown binding destination kind 2");
        assertThatThrownBy(() -> DefinitionCodec.decode(new byte[0]))
                .isInstanceOf(BrokerException.class)
                .hasMessageContaining("malformed definition record at byte 0: version needs 1 bytes");
    }

    @Test
    void everyTruncationOfEveryRecordTypeFailsCleanly() {
        for (byte[] valid : fuzzSeeds()) {
            for (int length = 0; length < valid.length; length++) {
                byte[] truncated = Arrays.copyOf(valid, length);
                assertThatThrownBy(() -> DefinitionCodec.decode(truncated))
                        .as("truncated to %d of %d bytes", length, valid.length)
                        .isInstanceOf(BrokerException.class);
            }
        }
    }

    @Test
    void everyBitFlipOfEveryRecordTypeDecodesOrFailsCleanly() {
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
        long seed = 7_919L;
        Random random = new Random(seed);
        for (int i = 0; i < 50_000; i++) {
            byte[] bytes = new byte[random.nextInt(48)];
            random.nextBytes(bytes);
            if (bytes.length > 1 && random.nextInt(4) != 0) {
                bytes[0] = DefinitionCodec.VERSION;
                bytes[1] = (byte) (1 + random.nextInt(12)); // a known tag: get into the fields
                for (int j = 2; j < bytes.length; j++) {
                    if (random.nextInt(3) == 0) {
                        bytes[j] = (byte) random.nextInt(4); // short lengths, small counts
                    }
                }
            }
            decodesOrFailsCleanly(bytes, "random input " + i + ", seed " + seed);
        }
    }

    private static void decodesOrFailsCleanly(byte[] bytes, String what) {
        DefinitionRecord decoded;
        try {
            decoded = DefinitionCodec.decode(bytes);
        } catch (BrokerException expected) {
            assertThat(expected.code()).isEqualTo(ErrorCode.STORAGE_FAILED);
            return;
        } catch (RuntimeException | Error e) {
            throw new AssertionError(what + ": " + e + " instead of a clean failure", e);
        }
        assertThat(canonical(DefinitionCodec.decode(DefinitionCodec.encode(decoded))))
                .as(what)
                .isEqualTo(canonical(decoded));
    }

    /** The encodings of every sample record small enough to fuzz bit by bit. */
    private static List<byte[]> fuzzSeeds() {
        List<byte[]> seeds = TestDefinitions.sampleRecords().stream()
                .map(DefinitionCodec::encode)
                .filter(bytes -> bytes.length <= 1024)
                .toList();
        Set<Integer> tags = seeds.stream().map(bytes -> (int) bytes[1]).collect(Collectors.toSet());
        assertThat(tags).containsExactlyInAnyOrder(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14);
        return seeds;
    }
}
