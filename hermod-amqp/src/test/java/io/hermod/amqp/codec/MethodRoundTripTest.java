package io.hermod.amqp.codec;

import static io.hermod.amqp.codec.Deep.assertDeepEquals;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every method of the spec survives encode → decode with non-default values (samples generated from the spec). */
@ExtendWith(LeakCheck.class)
class MethodRoundTripTest {

    static Stream<AmqpMethod> samples() {
        return MethodSamples.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void aMethodDecodesToWhatWasEncodedAndReencodesToTheSameBytes(AmqpMethod sample) {
        // Given the method's encoded payload
        byte[] encoded = Bytes.written(out -> MethodEncoder.encode(sample, out));
        ByteBuf payload = Unpooled.wrappedBuffer(encoded);

        // When it is decoded
        AmqpMethod decoded = MethodDecoder.decode(payload);

        // Then it is the same method, every byte was used, and it encodes to the same bytes again
        assertDeepEquals(decoded, sample);
        assertThat(payload.isReadable()).isFalse();
        assertThat(Bytes.written(out -> MethodEncoder.encode(decoded, out))).isEqualTo(encoded);
        payload.release();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void aMethodSurvivesAMethodFrame(AmqpMethod sample) {
        // Given a method frame on channel 65535
        byte[] frame = Bytes.written(out -> FrameEncoder.writeMethod(out, 65_535, sample));

        // When the frame decoder reads it
        List<Frame> frames = Frames.decodeAll(frame);

        // Then it yields the method on that channel
        assertThat(frames).hasSize(1);
        MethodFrame methodFrame = (MethodFrame) frames.getFirst();
        assertThat(methodFrame.channel()).isEqualTo(65_535);
        assertDeepEquals(methodFrame.method(), sample);
    }

    @Test
    void theSamplesCoverEveryMethodRecordTwice() {
        Set<Class<?>> sampled =
                MethodSamples.all().stream().map(Object::getClass).collect(Collectors.toSet());

        assertThat(sampled).containsExactlyInAnyOrder(AmqpMethod.class.getPermittedSubclasses());
        assertThat(MethodSamples.all()).hasSize(2 * AmqpMethod.class.getPermittedSubclasses().length);
    }

    @Test
    void everyMethodOfTheSpecIncludingRabbitMqExtensionsHasARecord() {
        // the 0-9-1 classes and RabbitMQ's extensions, as the JSON spec lists them
        assertThat(AmqpMethod.class.getPermittedSubclasses()).hasSize(66);
        assertThat(Arrays.stream(AmqpMethod.class.getPermittedSubclasses()).map(Class::getSimpleName))
                .contains(
                        "ConnectionBlocked",
                        "ConnectionUnblocked",
                        "ConnectionUpdateSecret",
                        "ConnectionUpdateSecretOk",
                        "BasicNack",
                        "ExchangeBind",
                        "ExchangeUnbindOk",
                        "ConfirmSelect",
                        "ConfirmSelectOk",
                        "TxRollbackOk",
                        "AccessRequest");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void aRecordsIdentityMatchesTheSpecName(AmqpMethod sample) {
        String name = sample.name();
        String[] parts = name.split("\\.");

        assertThat(MethodDecoder.name(sample.classId(), sample.methodId())).isEqualTo(name);
        assertThat(sample.getClass().getSimpleName()).isEqualTo(upperCamel(parts[0]) + upperCamel(parts[1]));
        assertThat(sample.hasContent())
                .isEqualTo(Set.of("basic.publish", "basic.return", "basic.deliver", "basic.get-ok")
                        .contains(name));
    }

    @Test
    void componentsAreNamedInCamelCaseWithTheDocumentedRenames() {
        assertThat(QueueDeclare.class.getRecordComponents())
                .extracting(c -> c.getName())
                .containsExactly(
                        "ticket", "queue", "passive", "durable", "exclusive", "autoDelete", "noWait", "arguments");
        assertThat(ConnectionClose.class.getRecordComponents())
                .extracting(c -> c.getName())
                .containsExactly("replyCode", "replyText", "failingClassId", "failingMethodId");
        assertThat(BasicDeliver.class.getRecordComponents())
                .extracting(c -> c.getName())
                .containsExactly("consumerTag", "deliveryTag", "redelivered", "exchange", "routingKey");
        assertThat(BasicDeliver.class.getRecordComponents()[1].getType()).isEqualTo(long.class);
        assertThat(ConnectionTune.class.getRecordComponents()[1].getType()).isEqualTo(int.class);
        assertThat(ConnectionStartOk.class.getRecordComponents()[2].getType()).isEqualTo(byte[].class);
        assertThat(ConnectionStart.class.getRecordComponents()[3].getType()).isEqualTo(String.class);
    }

    @Test
    void binaryArgumentsCompareByContentAndStayOutOfToString() {
        var a = new ConnectionStartOk(Map.of("product", "test"), "PLAIN", "\0guest\0secret".getBytes(), "en_US");
        var b = new ConnectionStartOk(Map.of("product", "test"), "PLAIN", "\0guest\0secret".getBytes(), "en_US");

        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a.toString()).doesNotContain("secret").contains("response=<13 bytes>");
    }

    @Test
    void argumentlessMethodsHaveOneInstance() {
        ByteBuf payload = Unpooled.wrappedBuffer(Bytes.of(0, 90, 0, 10));

        assertThat(MethodDecoder.decode(payload)).isSameAs(TxSelect.INSTANCE);
        payload.release();
    }

    private static String upperCamel(String specName) {
        StringBuilder out = new StringBuilder();
        for (String word : specName.split("-")) {
            out.append(Character.toUpperCase(word.charAt(0))).append(word.substring(1));
        }
        return out.toString();
    }
}
