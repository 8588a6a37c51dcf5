package io.hermod.amqp.codegen;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Generates a test fixture, {@code MethodSamples}: two instances of every method record with values that differ from
 * the spec defaults and exercise each type's edges (high bits set, the longest short string, empty and full tables,
 * each bit both ways), so round-trip tests cover every method without anyone typing 65 constructor calls.
 *
 * <p>Threading: stateless.
 */
final class MethodSamples {

    private MethodSamples() {}

    static Map<String, String> generate(Spec spec) {
        JavaSource s = JavaSource.file(List.of("java.util.List"));
        s.javadoc(
                "Two samples of every AMQP method record, with non-default values (generated from the spec: a new",
                "method gets samples without anyone typing them). Tables come from {@code SampleTables}.");
        s.open("final class MethodSamples");
        s.blank();
        s.line("private MethodSamples() {}");
        s.blank();
        s.javadoc("Variant 0 then variant 1 of each method, in spec order.");
        s.open("static List<AmqpMethod> all()");
        s.line("return List.of(");
        List<String> samples = new ArrayList<>();
        for (Spec.SpecClass c : spec.classes()) {
            for (Spec.Method m : c.methods()) {
                for (int variant = 0; variant < 2; variant++) {
                    samples.add(sample(m, variant));
                }
            }
        }
        for (int i = 0; i < samples.size(); i++) {
            s.line("        %s%s", samples.get(i), i == samples.size() - 1 ? ");" : ",");
        }
        s.close();
        s.close();
        return Map.of("MethodSamples.java", s.toString());
    }

    private static String sample(Spec.Method m, int variant) {
        List<String> values = new ArrayList<>();
        List<Spec.Field> args = m.arguments();
        for (int i = 0; i < args.size(); i++) {
            values.add(value(args.get(i), i, variant));
        }
        return "new " + m.javaName() + "(" + String.join(", ", values) + ")";
    }

    private static String value(Spec.Field f, int i, int variant) {
        boolean first = variant == 0;
        return switch (f.type()) {
            case BIT -> Boolean.toString((i % 2 == 0) == first);
            case OCTET -> Integer.toString(first ? 0xFF - i : 0x80 + i);
            case SHORT -> Integer.toString(first ? 0xFFFF - i : 0x8000 + i);
            case LONG -> Integer.toString(first ? (int) (0xFFFFFFFFL - i) : Integer.MAX_VALUE - i);
            case LONGLONG -> (first ? -1L - i : Long.MAX_VALUE - i) + "L";
            // non-ASCII text, and the longest short string
            case SHORTSTR -> first ? "\"" + f.javaName() + "-\\u00e4\\u20ac\"" : "\"x\".repeat(255)";
            case LONGSTR ->
                f.binary()
                        ? (first ? "new byte[] {0, 1, (byte) 0xCE, (byte) 0xFF}" : "new byte[0]")
                        : (first ? "\"" + f.javaName() + " \\u00e4 \\uD83D\\uDE00\"" : "\"\"");
            case TABLE -> first ? "SampleTables.everyType()" : "java.util.Map.of()";
            // a date, and a value beyond Instant's range (nanoseconds since the epoch, as some clients send)
            case TIMESTAMP -> (first ? 1_700_000_000L + i : 1_700_000_000_000_000_000L + i) + "L";
        };
    }
}
