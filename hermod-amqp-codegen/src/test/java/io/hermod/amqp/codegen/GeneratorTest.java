package io.hermod.amqp.codegen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generator on small specs that exercise what the real one does not (nine bits in a row, domains, renames). */
class GeneratorTest {

    private static final String SPEC = """
            {
              "name": "AMQP", "major-version": 0, "minor-version": 9, "revision": 1, "port": 5672,
              "domains": [["bit", "bit"], ["short", "short"], ["queue-name", "shortstr"]],
              "constants": [
                {"name": "FRAME-METHOD", "value": 1},
                {"name": "REPLY-SUCCESS", "value": 200},
                {"name": "NOT-FOUND", "value": 404, "class": "soft-error"},
                {"name": "FRAME-ERROR", "value": 501, "class": "hard-error"}
              ],
              "classes": [
                {"id": 60, "name": "basic",
                 "properties": [{"type": "shortstr", "name": "content-type"}, {"type": "octet", "name": "priority"}],
                 "methods": [
                   {"id": 10, "name": "many-bits", "synchronous": true, "arguments": [
                     {"type": "bit", "name": "b1"}, {"type": "bit", "name": "b2"}, {"type": "bit", "name": "b3"},
                     {"type": "bit", "name": "b4"}, {"type": "bit", "name": "b5"}, {"type": "bit", "name": "b6"},
                     {"type": "bit", "name": "b7"}, {"type": "bit", "name": "b8"}, {"type": "bit", "name": "b9"},
                     {"domain": "short", "name": "ticket"},
                     {"domain": "bit", "name": "nowait"},
                     {"domain": "queue-name", "name": "queue"}]},
                   {"id": 20, "name": "empty", "content": true, "arguments": []}
                 ]}
              ]
            }
            """;

    private static Spec spec() throws IOException {
        JsonNode root = new ObjectMapper().readTree(SPEC);
        return SpecReader.parse(root);
    }

    @Test
    void aNinthConsecutiveBitStartsASecondOctetAndABitAfterAnotherFieldAThird() throws IOException {
        String record = MethodRecords.generate(spec()).get("BasicManyBits.java");

        assertThat(record)
                .contains("int bits0 = PrimitiveDecoder.readOctet(in);")
                .contains("boolean b8 = (bits0 & 0x80) != 0;")
                .contains("int bits1 = PrimitiveDecoder.readOctet(in);")
                .contains("boolean b9 = (bits1 & 0x01) != 0;")
                .contains("int ticket = PrimitiveDecoder.readShort(in);")
                .contains("int bits2 = PrimitiveDecoder.readOctet(in);")
                .contains("boolean noWait = (bits2 & 0x01) != 0;")
                .contains("out.writeByte((b9 ? 0x01 : 0));")
                .contains("out.writeByte((noWait ? 0x01 : 0));")
                .contains("record BasicManyBits(")
                .contains("public boolean synchronous() {\n        return true;");
    }

    @Test
    void domainsResolveToTheirTypes() throws IOException {
        Spec.Method method = spec().classes().getFirst().methods().getFirst();

        assertThat(method.arguments())
                .extracting(Spec.Field::javaName, Spec.Field::type)
                .endsWith(
                        org.assertj.core.groups.Tuple.tuple("ticket", WireType.SHORT),
                        org.assertj.core.groups.Tuple.tuple("noWait", WireType.BIT),
                        org.assertj.core.groups.Tuple.tuple("queue", WireType.SHORTSTR));
    }

    @Test
    void everyKindOfFileIsGenerated(@TempDir Path dir) throws IOException {
        Spec spec = spec();
        AmqpCodeGenerator.write(dir, AmqpCodeGenerator.mainSources(spec));

        Path codec = dir.resolve("io/hermod/amqp/codec");
        assertThat(codec.resolve("BasicManyBits.java")).content().contains("public record BasicManyBits(");
        assertThat(codec.resolve("BasicEmpty.java"))
                .content()
                .contains("public record BasicEmpty() implements AmqpMethod {")
                .contains("public static final BasicEmpty INSTANCE = new BasicEmpty();");
        assertThat(codec.resolve("AmqpMethod.java")).content().contains("permits BasicManyBits,");
        assertThat(codec.resolve("BasicProperties.java")).content().contains("FLAG_PRIORITY = 0x4000");
        assertThat(codec.resolve("ReplyCode.java")).content().contains("NOT_FOUND(404, Kind.SOFT)");
        assertThat(codec.resolve("AmqpConstants.java")).content().contains("FRAME_METHOD = 1;");
        assertThat(codec.resolve("MethodDecoder.java"))
                .content()
                .contains("case 0x003C000A -> BasicManyBits.decode(in);");
    }

    @Test
    void aRerunRewritesNothingUnchangedAndDeletesWhatIsNoLongerGenerated(@TempDir Path dir) throws IOException {
        Spec spec = spec();
        AmqpCodeGenerator.write(dir, AmqpCodeGenerator.mainSources(spec));
        Path codec = dir.resolve("io/hermod/amqp/codec");
        Path stale = Files.writeString(codec.resolve("Removed.java"), "// from an older spec");
        var before = Files.getLastModifiedTime(codec.resolve("BasicManyBits.java"));

        AmqpCodeGenerator.write(dir, AmqpCodeGenerator.mainSources(spec));

        assertThat(stale).doesNotExist();
        assertThat(Files.getLastModifiedTime(codec.resolve("BasicManyBits.java")))
                .isEqualTo(before);
    }

    @Test
    void anUnknownTypeFailsTheBuild() {
        String bad = SPEC.replace("\"type\": \"octet\"", "\"type\": \"uuid\"");

        assertThatThrownBy(() -> SpecReader.parse(new ObjectMapper().readTree(bad)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("uuid");
    }

    @Test
    void anUnplacedConstantFailsTheBuild() {
        String bad = SPEC.replace("{\"name\": \"FRAME-METHOD\", \"value\": 1}", "{\"name\": \"WINDOW\", \"value\": 1}");

        assertThatThrownBy(() -> Constants.generate(SpecReader.parse(new ObjectMapper().readTree(bad))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("WINDOW");
    }

    @Test
    void samplesAreGeneratedForEveryMethod() throws IOException {
        Map<String, String> tests = AmqpCodeGenerator.testSources(spec());

        assertThat(tests.get("MethodSamples.java"))
                .contains("new BasicManyBits(true, false, true")
                .contains("new BasicEmpty()");
    }
}
