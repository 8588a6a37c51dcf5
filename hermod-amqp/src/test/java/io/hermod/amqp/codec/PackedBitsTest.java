package io.hermod.amqp.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Consecutive bit arguments share octets, low bit first (spec 4.2.5.2): checked byte by byte. */
@ExtendWith(LeakCheck.class)
class PackedBitsTest {

    @Test
    void queueDeclarePacksItsFiveBitsIntoOneOctet() {
        var declare = new QueueDeclare(0, "q", false, true, false, true, false, Map.of());

        assertThat(Bytes.written(out -> MethodEncoder.encode(declare, out)))
                .isEqualTo(Bytes.of(0, 50, 0, 10, 0, 0, 1, 'q', 0b01010, 0, 0, 0, 0));
    }

    @Test
    void exchangeDeclarePacksPassiveDurableAutoDeleteInternalNoWait() {
        var declare = new ExchangeDeclare(0, "x", "topic", true, false, true, false, true, Map.of());

        assertThat(Bytes.written(out -> MethodEncoder.encode(declare, out)))
                .isEqualTo(Bytes.of(0, 40, 0, 10, 0, 0, 1, 'x', 5, 't', 'o', 'p', 'i', 'c', 0b10101, 0, 0, 0, 0));
    }

    @Test
    void basicNackPacksTheBitsAfterTheDeliveryTag() {
        var nack = new BasicNack(7, true, false);

        assertThat(Bytes.written(out -> MethodEncoder.encode(nack, out)))
                .isEqualTo(Bytes.of(0, 60, 0, 120, 0, 0, 0, 0, 0, 0, 0, 7, 0b01));
    }

    @Test
    void aLoneBitBetweenOtherArgumentsTakesAnOctetOfItsOwn() {
        var deliver = new BasicDeliver("c", 1, true, "e", "r");

        assertThat(Bytes.written(out -> MethodEncoder.encode(deliver, out)))
                .isEqualTo(Bytes.of(0, 60, 0, 60, 1, 'c', 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 'e', 1, 'r'));
    }

    @Test
    void decodingReadsEachBitFromItsPosition() {
        var request = (AccessRequest)
                MethodDecoder.decode(io.netty.buffer.Unpooled.wrappedBuffer(Bytes.of(0, 30, 0, 10, 1, '/', 0b10110)));

        assertThat(request).isEqualTo(new AccessRequest("/", false, true, true, false, true));
    }

    /** Every method with bit arguments, all of them false (from the first sample of each). */
    static Stream<AmqpMethod> methodsWithBits() {
        return MethodSamples.all().stream()
                .filter(m ->
                        Arrays.stream(m.getClass().getRecordComponents()).anyMatch(c -> c.getType() == boolean.class))
                .map(m -> {
                    List<Object> values = new ArrayList<>(Deep.components((Record) m));
                    values.replaceAll(v -> v instanceof Boolean ? false : v);
                    return construct(m.getClass(), values);
                })
                .distinct();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("methodsWithBits")
    void eachBitArgumentSetsItsOwnSingleBit(AmqpMethod allFalse) {
        // Given a method with every bit argument false
        byte[] base = Bytes.written(out -> MethodEncoder.encode(allFalse, out));
        Set<Integer> positions = new HashSet<>();
        RecordComponent[] components = allFalse.getClass().getRecordComponents();
        for (int i = 0; i < components.length; i++) {
            if (components[i].getType() != boolean.class) {
                continue;
            }
            // When just this bit is set
            List<Object> values = new ArrayList<>(Deep.components((Record) allFalse));
            values.set(i, true);
            AmqpMethod oneTrue = construct(allFalse.getClass(), values);
            byte[] changed = Bytes.written(out -> MethodEncoder.encode(oneTrue, out));

            // Then exactly one bit of the encoding differs, a different one for each argument
            assertThat(changed).hasSameSizeAs(base);
            int differing = -1;
            for (int b = 0; b < base.length * 8; b++) {
                if (((base[b / 8] ^ changed[b / 8]) & (0x80 >>> (b % 8))) != 0) {
                    assertThat(differing)
                            .as("%s: only one bit changes", components[i].getName())
                            .isEqualTo(-1);
                    differing = b;
                }
            }
            assertThat(differing).isNotNegative();
            assertThat(positions.add(differing))
                    .as("distinct bit for %s", components[i].getName())
                    .isTrue();
        }
    }

    private static AmqpMethod construct(Class<?> type, List<Object> values) {
        try {
            Class<?>[] types = Arrays.stream(type.getRecordComponents())
                    .map(RecordComponent::getType)
                    .toArray(Class<?>[]::new);
            Constructor<?> constructor = type.getConstructor(types);
            return (AmqpMethod) constructor.newInstance(values.toArray());
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}
