package io.hermod.amqp.codegen;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Generates a record per class with content properties ({@code BasicProperties} for {@code basic}): the flag word and
 * property list of a content header (spec 4.2.6.1), decoded whole or one property at a time.
 *
 * <p>Threading: stateless.
 */
final class ContentProperties {

    private ContentProperties() {}

    static Map<String, String> generate(Spec spec) {
        Map<String, String> files = new TreeMap<>();
        for (Spec.SpecClass c : spec.classes()) {
            if (!c.properties().isEmpty()) {
                files.put(recordName(c) + ".java", record(c));
            }
        }
        return files;
    }

    static String recordName(Spec.SpecClass c) {
        return Names.upperCamel(c.name()) + "Properties";
    }

    private static String record(Spec.SpecClass c) {
        List<Spec.Field> props = c.properties();
        // One flag word holds 15 presence bits (bit 0 is the continuation flag); no class of the spec has more.
        if (props.size() > 15) {
            throw new IllegalStateException("class " + c.name() + " has more than 15 properties: extend the generator");
        }
        for (Spec.Field p : props) {
            if (p.type() == WireType.BIT || p.binary()) {
                throw new IllegalStateException("property type of " + p.specName() + " is not supported");
            }
        }
        String name = recordName(c);
        List<String> imports = new ArrayList<>(List.of("io.netty.buffer.ByteBuf"));
        if (props.stream().anyMatch(p -> p.type() == WireType.TABLE)) {
            imports.add("java.util.Map");
        }
        JavaSource s = JavaSource.file(imports);
        List<String> doc = new ArrayList<>(List.of(
                "The content properties of class {@code " + c.name() + "} (" + c.id() + "), as a content header frame",
                "carries them (spec 4.2.6.1): property flag words (bit 15 of the first word for the first property,",
                "bit 0 set when another flag word follows), then the present properties in spec order. Absent",
                "properties are null.",
                "",
                "<p>The encoded form is what a broker keeps and forwards; the static {@code ...Of(ByteBuf)} accessors",
                "read one property from it without decoding the others, and {@link #decode} allocates nothing for",
                "absent properties. Flag bits of properties the spec does not define are refused ({@code",
                "SYNTAX_ERROR}) because their values could not be skipped; truncated values are {@code FRAME_ERROR}.",
                "Timestamps are seconds since the epoch, any 64-bit value.",
                "",
                "<p>Threading: immutable (tables as given; decoded tables are unmodifiable). The static methods read",
                "{@code propertyBytes} between its reader and writer index with absolute gets: they never move its",
                "indexes or change its reference count, so concurrent readers may share one buffer.",
                ""));
        for (Spec.Field p : props) {
            doc.add("@param " + p.javaName() + " {@code " + p.specName() + "}: "
                    + p.type().specName() + ", or null");
        }
        s.javadoc(doc.toArray(String[]::new));
        s.line("public record %s(", name);
        for (int i = 0; i < props.size() - 1; i++) {
            Spec.Field p = props.get(i);
            s.line("        %s %s,", p.type().boxedType(), p.javaName());
        }
        s.open(
                "        %s %s)",
                props.getLast().type().boxedType(), props.getLast().javaName());
        s.blank();
        s.javadoc("The class id of {@code " + c.name() + "}, {@value}.");
        s.line("public static final int CLASS_ID = %d;", c.id());
        int known = 0;
        for (int i = 0; i < props.size(); i++) {
            Spec.Field p = props.get(i);
            s.blank();
            s.javadoc("Presence flag of {@code " + p.specName() + "}, {@value}.");
            s.line("public static final int %s = 0x%04X;", flag(p), 1 << (15 - i));
            known |= 1 << (15 - i);
        }
        s.blank();
        s.javadoc("Every presence flag the spec defines for this class.");
        s.line("static final int KNOWN_FLAGS = 0x%04X;", known);
        s.blank();
        s.javadoc("No properties at all.");
        s.line(
                "public static final %s EMPTY = new %s(%s);",
                name, name, String.join(", ", props.stream().map(p -> "null").toList()));
        compactConstructor(s, name, props);
        flags(s, props);
        decode(s, name, props);
        validate(s, props);
        encode(s, props);
        for (Spec.Field p : props) {
            accessorOf(s, p);
        }
        locate(s, props);
        for (Spec.Field p : props) {
            wither(s, name, props, p);
        }
        s.close();
        return s.toString();
    }

    private static String flag(Spec.Field p) {
        return "FLAG_" + Names.constantName(p.specName());
    }

    private static void compactConstructor(JavaSource s, String name, List<Spec.Field> props) {
        List<Spec.Field> checked = props.stream()
                .filter(p -> p.type() == WireType.OCTET || p.type() == WireType.SHORT)
                .toList();
        if (checked.isEmpty()) {
            return;
        }
        s.blank();
        s.javadoc(
                "@throws IllegalArgumentException when an {@code octet} or {@code short} is out of its unsigned range");
        s.open("public %s", name);
        for (Spec.Field p : checked) {
            s.open("if (%s != null)", p.javaName());
            s.line(
                    "PrimitiveEncoder.check%s(%s, \"%s\");",
                    p.type() == WireType.OCTET ? "Octet" : "Short", p.javaName(), p.javaName());
            s.close();
        }
        s.close();
    }

    private static void flags(JavaSource s, List<Spec.Field> props) {
        s.blank();
        s.javadoc("The (first and only) property flag word for the properties present.");
        s.open("public int flags()");
        s.line("int flags = 0;");
        for (Spec.Field p : props) {
            s.open("if (%s != null)", p.javaName());
            s.line("flags |= %s;", flag(p));
            s.close();
        }
        s.line("return flags;");
        s.close();
    }

    private static void decode(JavaSource s, String name, List<Spec.Field> props) {
        s.blank();
        s.javadoc(
                "Decodes flag words and properties from the readable bytes of {@code propertyBytes} (a content",
                "header's payload after class id, weight and body size). Does not move its indexes or release it.",
                "",
                "@throws AmqpCodecException when the bytes are not exactly a property list of this class");
        s.open("public static %s decode(ByteBuf propertyBytes)", name);
        s.line("int end = propertyBytes.writerIndex();");
        s.line("long header = PropertyFlags.read(propertyBytes, KNOWN_FLAGS);");
        s.line("int flags = (int) header;");
        s.line("int index = (int) (header >>> 32);");
        for (Spec.Field p : props) {
            s.line("%s %s = null;", p.type().boxedType(), p.javaName());
            s.open("if ((flags & %s) != 0)", flag(p));
            s.line("%s = %s;", p.javaName(), readAt(p));
            s.line("index = %s;", skip(p));
            s.close();
        }
        s.line("PrimitiveDecoder.expectEnd(index, end);");
        s.line(
                "return new %s(%s);",
                name, String.join(", ", props.stream().map(Spec.Field::javaName).toList()));
        s.close();
    }

    private static void validate(JavaSource s, List<Spec.Field> props) {
        s.blank();
        s.javadoc(
                "Checks, without allocating, that {@link #decode} would accept {@code propertyBytes}: a frame decoder",
                "calls it so that only well-formed property bytes are stored and forwarded.",
                "",
                "@throws AmqpCodecException when {@link #decode} would throw it");
        s.open("public static void validate(ByteBuf propertyBytes)");
        s.line("int end = propertyBytes.writerIndex();");
        s.line("long header = PropertyFlags.read(propertyBytes, KNOWN_FLAGS);");
        s.line("int flags = (int) header;");
        s.line("int index = (int) (header >>> 32);");
        for (Spec.Field p : props) {
            s.open("if ((flags & %s) != 0)", flag(p));
            s.line("index = %s;", check(p));
            s.close();
        }
        s.line("PrimitiveDecoder.expectEnd(index, end);");
        s.close();
    }

    private static void encode(JavaSource s, List<Spec.Field> props) {
        s.blank();
        s.javadoc(
                "Appends one flag word and the present properties to {@code out} (the caller owns {@code out}).",
                "",
                "@throws IllegalArgumentException when a value cannot be encoded (a short string over 255 UTF-8",
                "    bytes, a header value of an unsupported type); {@code out} then holds partial bytes: discard them");
        s.open("public void encode(ByteBuf out)");
        s.line("out.writeShort(flags());");
        for (Spec.Field p : props) {
            s.open("if (%s != null)", p.javaName());
            s.line(write(p));
            s.close();
        }
        s.close();
    }

    private static void accessorOf(JavaSource s, Spec.Field p) {
        s.blank();
        s.javadoc(
                "Reads only {@code " + p.specName() + "} from encoded property bytes (see {@link #decode}); null when",
                "absent. Allocates nothing but the value itself.",
                "",
                "@throws AmqpCodecException when the bytes up to and including this property are malformed");
        s.open("public static %s %sOf(ByteBuf propertyBytes)", p.type().boxedType(), p.javaName());
        s.line("int index = locate(propertyBytes, %s);", flag(p));
        s.line("int end = propertyBytes.writerIndex();");
        s.line("return index < 0 ? null : %s;", readAt(p));
        s.close();
    }

    private static void locate(JavaSource s, List<Spec.Field> props) {
        s.blank();
        s.javadoc("The absolute index of the property with {@code flag}, or -1 when it is absent.");
        s.open("private static int locate(ByteBuf propertyBytes, int flag)");
        s.line("long header = PropertyFlags.read(propertyBytes, KNOWN_FLAGS);");
        s.line("int flags = (int) header;");
        s.open("if ((flags & flag) == 0)");
        s.line("return -1;");
        s.close();
        s.line("int end = propertyBytes.writerIndex();");
        s.line("int index = (int) (header >>> 32);");
        for (int i = 0; i < props.size() - 1; i++) {
            Spec.Field p = props.get(i);
            s.open("if (flag == %s)", flag(p));
            s.line("return index;");
            s.close();
            s.open("if ((flags & %s) != 0)", flag(p));
            s.line("index = %s;", skip(p));
            s.close();
        }
        s.line("return index;");
        s.close();
    }

    private static void wither(JavaSource s, String name, List<Spec.Field> props, Spec.Field changed) {
        String upper = Character.toUpperCase(changed.javaName().charAt(0))
                + changed.javaName().substring(1);
        s.blank();
        s.javadoc("A copy with {@code " + changed.specName() + "} replaced (null removes it).");
        s.open("public %s with%s(%s %s)", name, upper, changed.type().boxedType(), changed.javaName());
        s.line(
                "return new %s(%s);",
                name, String.join(", ", props.stream().map(Spec.Field::javaName).toList()));
        s.close();
    }

    private static String readAt(Spec.Field p) {
        return switch (p.type()) {
            case OCTET -> "PrimitiveDecoder.octetAt(propertyBytes, index, end)";
            case SHORT -> "PrimitiveDecoder.shortAt(propertyBytes, index, end)";
            case LONG -> "PrimitiveDecoder.longAt(propertyBytes, index, end)";
            case LONGLONG, TIMESTAMP -> "PrimitiveDecoder.longlongAt(propertyBytes, index, end)";
            case SHORTSTR -> "PrimitiveDecoder.shortstrAt(propertyBytes, index, end)";
            case LONGSTR -> "PrimitiveDecoder.longstrAt(propertyBytes, index, end)";
            case TABLE -> "FieldTables.readAt(propertyBytes, index, end)";
            case BIT -> throw new IllegalStateException("bit property");
        };
    }

    private static String skip(Spec.Field p) {
        return switch (p.type()) {
            case OCTET -> "PrimitiveDecoder.skipFixed(propertyBytes, index, end, 1)";
            case SHORT -> "PrimitiveDecoder.skipFixed(propertyBytes, index, end, 2)";
            case LONG -> "PrimitiveDecoder.skipFixed(propertyBytes, index, end, 4)";
            case LONGLONG, TIMESTAMP -> "PrimitiveDecoder.skipFixed(propertyBytes, index, end, 8)";
            case SHORTSTR -> "PrimitiveDecoder.skipShortstr(propertyBytes, index, end)";
            case LONGSTR -> "PrimitiveDecoder.skipLongstr(propertyBytes, index, end)";
            case TABLE -> "FieldTables.skip(propertyBytes, index, end)";
            case BIT -> throw new IllegalStateException("bit property");
        };
    }

    private static String check(Spec.Field p) {
        return switch (p.type()) {
            case SHORTSTR -> "PrimitiveDecoder.checkShortstr(propertyBytes, index, end)";
            case LONGSTR -> "PrimitiveDecoder.checkLongstr(propertyBytes, index, end)";
            case TABLE -> "FieldTables.validate(propertyBytes, index, end)";
            default -> skip(p);
        };
    }

    private static String write(Spec.Field p) {
        String n = p.javaName();
        return switch (p.type()) {
            case OCTET -> "out.writeByte(" + n + ");";
            case SHORT -> "out.writeShort(" + n + ");";
            case LONG -> "out.writeInt(" + n + ");";
            case LONGLONG, TIMESTAMP -> "out.writeLong(" + n + ");";
            case SHORTSTR -> "PrimitiveEncoder.writeShortstr(out, " + n + ");";
            case LONGSTR -> "PrimitiveEncoder.writeLongstr(out, " + n + ");";
            case TABLE -> "FieldTables.write(" + n + ", out);";
            case BIT -> throw new IllegalStateException("bit property");
        };
    }
}
