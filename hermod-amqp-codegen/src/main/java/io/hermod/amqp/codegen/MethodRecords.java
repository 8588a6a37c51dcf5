package io.hermod.amqp.codegen;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Generates the sealed {@code AmqpMethod} interface and one record per AMQP method, with its arguments as components,
 * its identity ({@code classId}, {@code methodId}, {@code name}, {@code hasContent}, {@code synchronous}) and the
 * package-private {@code decode}/{@code encode} of its argument list, consecutive bits packed into octets low bit
 * first (spec 4.2.5.2).
 *
 * <p>Threading: stateless.
 */
final class MethodRecords {

    private MethodRecords() {}

    /**
     * {@code AmqpMethod.java}, the sealed interface, and one file per method record ({@code BasicPublish.java}), in
     * spec order.
     */
    static Map<String, String> generate(Spec spec) {
        List<Spec.Method> methods =
                spec.classes().stream().flatMap(c -> c.methods().stream()).toList();
        Map<String, String> files = new TreeMap<>();
        files.put("AmqpMethod.java", amqpMethod(methods));
        for (Spec.Method m : methods) {
            List<String> imports = new ArrayList<>(List.of("io.netty.buffer.ByteBuf"));
            if (m.arguments().stream().anyMatch(a -> a.type() == WireType.TABLE)) {
                imports.add("java.util.Map");
            }
            if (m.arguments().stream().anyMatch(MethodRecords::checkedForNull)) {
                imports.add("java.util.Objects");
            }
            if (m.arguments().stream().anyMatch(Spec.Field::binary)) {
                imports.add("java.util.Arrays");
            }
            JavaSource s = JavaSource.file(imports);
            record(s, m);
            files.put(m.javaName() + ".java", s.toString());
        }
        return files;
    }

    private static String amqpMethod(List<Spec.Method> methods) {
        JavaSource s = JavaSource.file(List.of());
        s.javadoc(
                "An AMQP 0-9-1 method: one generated record per method of every class of the spec, named {@code",
                "<Class><Method>} ({@code QueueDeclareOk}, {@code BasicPublish}), its arguments as components. Switch",
                "over it exhaustively; {@link MethodDecoder} and {@link MethodEncoder} translate it from and to a method",
                "frame's payload.",
                "",
                "<p>Generated from the spec (see {@code src/main/spec/amqp-0-9-1}). Component names are the spec's in",
                "camel case, except {@code nowait}, which is {@code noWait}, and the {@code class-id}/{@code method-id}",
                "of {@code connection.close} and {@code channel.close}, which are {@code failingClassId}/{@code",
                "failingMethodId} ({@link #classId()} is the close method's own class).",
                "",
                "<p>Threading: every implementation is an immutable record.");
        s.line("public sealed interface AmqpMethod");
        for (int i = 0; i < methods.size() - 1; i++) {
            s.line(
                    "        %s%s,",
                    i == 0 ? "permits " : "        ", methods.get(i).javaName());
        }
        s.open("                %s", methods.getLast().javaName());
        s.blank();
        s.javadoc("The spec's id of the method's class (e.g. 60 for {@code basic}).");
        s.line("int classId();");
        s.blank();
        s.javadoc("The spec's id of the method within its class (e.g. 40 for {@code basic.publish}).");
        s.line("int methodId();");
        s.blank();
        s.javadoc("The spec's name, {@code class.method} (e.g. {@code basic.publish}).");
        s.line("String name();");
        s.blank();
        s.javadoc("Whether a content header and body frames follow the method frame.");
        s.line("boolean hasContent();");
        s.blank();
        s.javadoc("Whether the spec marks the method synchronous: the peer answers it (unless told not to wait).");
        s.line("boolean synchronous();");
        s.close();
        return s.toString();
    }

    private static boolean checkedForNull(Spec.Field a) {
        return a.type() == WireType.SHORTSTR || a.type() == WireType.LONGSTR;
    }

    private static void record(JavaSource s, Spec.Method m) {
        List<Spec.Field> args = m.arguments();
        boolean hasBinary = args.stream().anyMatch(Spec.Field::binary);

        List<String> doc = new ArrayList<>();
        doc.add(String.format(
                "AMQP 0-9-1 method {@code %s}: method %d of class {@code %s} (%d); %s, %s.",
                m.fullName(),
                m.id(),
                m.owner().name(),
                m.owner().id(),
                m.synchronous() ? "synchronous (it expects a reply)" : "asynchronous",
                m.content() ? "followed by content (a content header and body frames)" : "without content"));
        doc.add("");
        doc.add("<p>Generated from the spec. The arguments are encoded in order (spec 4.2.5), consecutive {@code bit}");
        doc.add("arguments packed into octets, low bit first (4.2.5.2).");
        if (args.stream().anyMatch(a -> a.type() == WireType.LONG || a.type() == WireType.LONGLONG)) {
            doc.add("The unsigned {@code long} (32-bit) and {@code longlong} travel in {@code int} and {@code long}:");
            doc.add("read them with {@link Integer#toUnsignedLong} and {@link Long#toUnsignedString}.");
        }
        if (hasBinary) {
            doc.add("Binary long strings are not copied: do not change the array after handing it over. They are");
            doc.add("compared by content and left out of {@link #toString} (they may be credentials).");
        }
        doc.add("");
        doc.add("<p>Threading: immutable (tables as given; decoded tables are unmodifiable).");
        if (!args.isEmpty()) {
            doc.add("");
        }
        for (Spec.Field a : args) {
            doc.add("@param " + a.javaName() + " " + describe(a));
        }
        s.javadoc(doc.toArray(String[]::new));
        if (args.isEmpty()) {
            s.open("public record %s() implements AmqpMethod", m.javaName());
        } else {
            s.line("public record %s(", m.javaName());
            for (int i = 0; i < args.size(); i++) {
                Spec.Field a = args.get(i);
                s.line("        %s %s%s", a.javaType(), a.javaName(), i == args.size() - 1 ? ")" : ",");
            }
            s.open("        implements AmqpMethod");
        }
        s.blank();
        s.javadoc("The class id of {@code " + m.owner().name() + "}, {@value}.");
        s.line("public static final int CLASS_ID = %d;", m.owner().id());
        s.blank();
        s.javadoc("The method id of {@code " + m.fullName() + "}, {@value}.");
        s.line("public static final int METHOD_ID = %d;", m.id());
        s.blank();
        s.javadoc("The spec name, {@value}.");
        s.line("public static final String NAME = \"%s\";", m.fullName());
        if (args.isEmpty()) {
            s.blank();
            s.javadoc("The only value of this method (it has no arguments).");
            s.line("public static final %1$s INSTANCE = new %1$s();", m.javaName());
        }
        compactConstructor(s, m);
        identity(s, m);
        decode(s, m);
        encode(s, m);
        if (hasBinary) {
            equalsHashCodeToString(s, m);
        }
        s.close();
    }

    private static String describe(Spec.Field a) {
        StringBuilder d = new StringBuilder("{@code ").append(a.specName()).append("}: ");
        d.append(a.type().specName());
        if (a.domain() != null && !a.domain().equals(a.type().specName())) {
            d.append(" (domain ").append(a.domain()).append(')');
        }
        if (a.binary()) {
            d.append(", binary");
        }
        if (a.defaultValue() != null) {
            d.append("; spec default ").append(escapeDoc(a.defaultValue()));
        }
        if (a.type() == WireType.TABLE) {
            d.append("; a field table (see {@link FieldTables}), never null");
        }
        return d.toString();
    }

    private static String escapeDoc(String text) {
        return "{@code " + text.replace("@", "&#64;").replace("*/", "*&#47;") + "}";
    }

    private static void compactConstructor(JavaSource s, Spec.Method m) {
        List<String> checks = new ArrayList<>();
        for (Spec.Field a : m.arguments()) {
            String n = a.javaName();
            switch (a.type()) {
                case OCTET -> checks.add(String.format("PrimitiveEncoder.checkOctet(%s, \"%s\");", n, n));
                case SHORT -> checks.add(String.format("PrimitiveEncoder.checkShort(%s, \"%s\");", n, n));
                case SHORTSTR, LONGSTR -> checks.add(String.format("Objects.requireNonNull(%s, \"%s\");", n, n));
                case TABLE -> checks.add(String.format("%1$s = %1$s == null ? Map.of() : %1$s;", n));
                case BIT, LONG, LONGLONG, TIMESTAMP -> {
                    // every Java value is a valid wire value
                }
            }
        }
        if (checks.isEmpty()) {
            return;
        }
        List<String> throwsDoc = new ArrayList<>();
        if (m.arguments().stream().anyMatch(a -> a.type() == WireType.OCTET || a.type() == WireType.SHORT)) {
            throwsDoc.add("@throws IllegalArgumentException when an {@code octet} or {@code short} is out of its"
                    + " unsigned range");
        }
        if (m.arguments().stream().anyMatch(a -> a.type() == WireType.SHORTSTR || a.type() == WireType.LONGSTR)) {
            throwsDoc.add("@throws NullPointerException when a string is null");
        }
        if (m.arguments().stream().anyMatch(a -> a.type() == WireType.TABLE)) {
            throwsDoc.add(0, "A null table is taken as empty.");
            if (throwsDoc.size() > 1) {
                throwsDoc.add(1, "");
            }
        }
        s.blank();
        s.javadoc(throwsDoc.toArray(String[]::new));
        s.open("public %s", m.javaName());
        checks.forEach(s::line);
        s.close();
    }

    private static void identity(JavaSource s, Spec.Method m) {
        accessor(s, "int", "classId", "CLASS_ID");
        accessor(s, "int", "methodId", "METHOD_ID");
        accessor(s, "String", "name", "NAME");
        accessor(s, "boolean", "hasContent", Boolean.toString(m.content()));
        accessor(s, "boolean", "synchronous", Boolean.toString(m.synchronous()));
    }

    private static void accessor(JavaSource s, String type, String name, String value) {
        s.blank();
        s.line("@Override");
        s.open("public %s %s()", type, name);
        s.line("return %s;", value);
        s.close();
    }

    private static void decode(JavaSource s, Spec.Method m) {
        List<Spec.Field> args = m.arguments();
        s.blank();
        s.javadoc("Reads the arguments (after class and method id); bounded by {@code in}'s readable bytes.");
        s.open("static %s decode(ByteBuf in)", m.javaName());
        if (args.isEmpty()) {
            s.line("return INSTANCE;");
            s.close();
            return;
        }
        int bitGroup = -1;
        int bitInGroup = 8;
        for (Spec.Field a : args) {
            if (a.type() == WireType.BIT) {
                if (bitInGroup == 8) {
                    bitGroup++;
                    bitInGroup = 0;
                    s.line("int bits%d = PrimitiveDecoder.readOctet(in);", bitGroup);
                }
                s.line("boolean %s = (bits%d & 0x%02X) != 0;", a.javaName(), bitGroup, 1 << bitInGroup);
                bitInGroup++;
                continue;
            }
            bitInGroup = 8;
            s.line("%s %s = %s;", a.javaType(), a.javaName(), readExpression(a));
        }
        s.line(
                "return new %s(%s);",
                m.javaName(),
                String.join(", ", args.stream().map(Spec.Field::javaName).toList()));
        s.close();
    }

    private static String readExpression(Spec.Field a) {
        return switch (a.type()) {
            case OCTET -> "PrimitiveDecoder.readOctet(in)";
            case SHORT -> "PrimitiveDecoder.readShort(in)";
            case LONG -> "PrimitiveDecoder.readLong(in)";
            case LONGLONG, TIMESTAMP -> "PrimitiveDecoder.readLonglong(in)";
            case SHORTSTR -> "PrimitiveDecoder.readShortstr(in)";
            case LONGSTR -> a.binary() ? "PrimitiveDecoder.readLongstrBytes(in)" : "PrimitiveDecoder.readLongstr(in)";
            case TABLE -> "FieldTables.read(in)";
            case BIT -> throw new IllegalStateException("bits are read in groups");
        };
    }

    private static void encode(JavaSource s, Spec.Method m) {
        List<Spec.Field> args = m.arguments();
        s.blank();
        s.javadoc("Writes the arguments (after class and method id).");
        if (args.isEmpty()) {
            s.line("void encode(ByteBuf out) {}");
            return;
        }
        s.open("void encode(ByteBuf out)");
        List<String> bits = new ArrayList<>();
        for (Spec.Field a : args) {
            if (a.type() == WireType.BIT) {
                if (bits.size() == 8) {
                    flushBits(s, bits);
                }
                bits.add(String.format("(%s ? 0x%02X : 0)", a.javaName(), 1 << bits.size()));
                continue;
            }
            flushBits(s, bits);
            s.line(writeStatement(a));
        }
        flushBits(s, bits);
        s.close();
    }

    private static void flushBits(JavaSource s, List<String> bits) {
        if (!bits.isEmpty()) {
            s.line("out.writeByte(%s);", String.join(" | ", bits));
            bits.clear();
        }
    }

    private static String writeStatement(Spec.Field a) {
        String n = a.javaName();
        return switch (a.type()) {
            case OCTET -> "out.writeByte(" + n + ");";
            case SHORT -> "out.writeShort(" + n + ");";
            case LONG -> "out.writeInt(" + n + ");";
            case LONGLONG, TIMESTAMP -> "out.writeLong(" + n + ");";
            case SHORTSTR -> "PrimitiveEncoder.writeShortstr(out, " + n + ");";
            case LONGSTR -> "PrimitiveEncoder.writeLongstr(out, " + n + ");";
            case TABLE -> "FieldTables.write(" + n + ", out);";
            case BIT -> throw new IllegalStateException("bits are written in groups");
        };
    }

    private static void equalsHashCodeToString(JavaSource s, Spec.Method m) {
        List<Spec.Field> args = m.arguments();
        List<String> equal = new ArrayList<>();
        List<String> hash = new ArrayList<>();
        List<String> shown = new ArrayList<>();
        for (Spec.Field a : args) {
            String n = a.javaName();
            switch (a.javaType()) {
                case "int" -> {
                    equal.add(n + " == other." + n);
                    hash.add("Integer.hashCode(" + n + ")");
                }
                case "long" -> {
                    equal.add(n + " == other." + n);
                    hash.add("Long.hashCode(" + n + ")");
                }
                case "boolean" -> {
                    equal.add(n + " == other." + n);
                    hash.add("Boolean.hashCode(" + n + ")");
                }
                case "byte[]" -> {
                    equal.add("Arrays.equals(" + n + ", other." + n + ")");
                    hash.add("Arrays.hashCode(" + n + ")");
                }
                default -> {
                    equal.add(n + ".equals(other." + n + ")");
                    hash.add(n + ".hashCode()");
                }
            }
            String label = "\"" + (shown.isEmpty() ? "" : ", ") + n + "=";
            shown.add(a.binary() ? label + "<\" + " + n + ".length + \" bytes>\"" : label + "\" + " + n);
        }
        s.blank();
        s.javadoc("Equal when every argument is; binary arguments compare by content.");
        s.line("@Override");
        s.open("public boolean equals(Object o)");
        s.line("return o instanceof %s other", m.javaName());
        for (int i = 0; i < equal.size(); i++) {
            s.line("        && %s%s", equal.get(i), i == equal.size() - 1 ? ";" : "");
        }
        s.close();
        s.blank();
        s.line("@Override");
        s.open("public int hashCode()");
        s.line("int h = 1;");
        for (String h : hash) {
            s.line("h = 31 * h + %s;", h);
        }
        s.line("return h;");
        s.close();
        s.blank();
        s.javadoc("Shows binary arguments by length only: they may be credentials.");
        s.line("@Override");
        s.open("public String toString()");
        s.line("return \"%s[\"", m.javaName());
        for (int i = 0; i < shown.size(); i++) {
            s.line("        + %s", shown.get(i));
        }
        s.line("        + \"]\";");
        s.close();
    }
}
