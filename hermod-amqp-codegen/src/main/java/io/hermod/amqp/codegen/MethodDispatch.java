package io.hermod.amqp.codegen;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Generates {@code MethodDecoder} (class and method id → record) and {@code MethodEncoder} (an exhaustive switch over
 * the records).
 *
 * <p>Threading: stateless.
 */
final class MethodDispatch {

    private MethodDispatch() {}

    static Map<String, String> generate(Spec spec) {
        List<Spec.Method> methods =
                spec.classes().stream().flatMap(c -> c.methods().stream()).toList();
        Map<String, String> files = new TreeMap<>();
        files.put("MethodDecoder.java", decoder(spec, methods));
        files.put("MethodEncoder.java", encoder(methods));
        return files;
    }

    private static String decoder(Spec spec, List<Spec.Method> methods) {
        JavaSource s = JavaSource.file(List.of("io.netty.buffer.ByteBuf"));
        s.javadoc(
                "Decodes the payload of a method frame (spec 4.2.5: class id, method id, arguments) into its",
                "{@link AmqpMethod} record.",
                "",
                "<p>Bounded: every length is checked against the payload before anything is allocated. Failures are",
                "{@link AmqpCodecException}s carrying the reply code and the method's ids: {@code COMMAND_INVALID} for a",
                "class or method the spec does not define, {@code FRAME_ERROR} for arguments that cannot be decoded",
                "(truncated, a length beyond the payload, bytes left over), {@code SYNTAX_ERROR} for illegal values",
                "(malformed UTF-8 in a short string, an unknown field-table type).",
                "",
                "<p>Threading: stateless.");
        s.open("public final class MethodDecoder");
        s.blank();
        s.line("private MethodDecoder() {}");
        s.blank();
        s.javadoc(
                "Decodes one method from all readable bytes of {@code payload}, which it consumes. The caller keeps",
                "ownership of {@code payload} (the method holds no reference to it).",
                "",
                "@throws AmqpCodecException when the payload is not a method the spec defines, correctly encoded");
        s.open("public static AmqpMethod decode(ByteBuf payload)");
        s.open("if (payload.readableBytes() < 4)");
        s.line("throw new AmqpCodecException(");
        s.line("        ReplyCode.FRAME_ERROR,");
        s.line(
                "        \"method frame payload of \" + payload.readableBytes() + \" bytes has no class and method id\");");
        s.close();
        s.line("int classId = payload.readUnsignedShort();");
        s.line("int methodId = payload.readUnsignedShort();");
        s.line("AmqpMethod method;");
        s.open("try");
        s.line("method = decodeArguments(classId, methodId, payload);");
        s.open("if (method != null)");
        s.line("PrimitiveDecoder.expectEnd(payload);");
        s.close();
        s.close(" catch (AmqpCodecException e) {");
        s.line("    throw new AmqpCodecException(");
        s.line(
                "            e.code(), \"cannot decode \" + name(classId, methodId) + \": \" + e.getMessage(), classId, methodId);");
        s.line("}");
        s.open("if (method == null)");
        s.line("String what = knownClass(classId)");
        s.line("        ? \"unknown method \" + methodId + \" of class \" + classId");
        s.line("        : \"unknown class \" + classId + \" (method \" + methodId + \")\";");
        s.line("throw new AmqpCodecException(ReplyCode.COMMAND_INVALID, what, classId, methodId);");
        s.close();
        s.line("return method;");
        s.close();
        s.blank();
        s.javadoc("The spec name of a method ({@code basic.publish}), or null when the spec defines no such method.");
        s.open("public static String name(int classId, int methodId)");
        s.open("return switch (classId << 16 | methodId)");
        for (Spec.Method m : methods) {
            s.line("case %s -> %s.NAME;", key(m), m.javaName());
        }
        s.line("default -> null;");
        s.close(";");
        s.close();
        s.blank();
        s.javadoc("Whether the spec defines a class with this id.");
        s.open("public static boolean knownClass(int classId)");
        s.open("return switch (classId)");
        s.line(
                "case %s -> true;",
                String.join(
                        ", ",
                        spec.classes().stream()
                                .map(c -> Integer.toString(c.id()))
                                .toList()));
        s.line("default -> false;");
        s.close(";");
        s.close();
        s.blank();
        s.javadoc("The decoded arguments, or null for a method the spec does not define.");
        s.open("private static AmqpMethod decodeArguments(int classId, int methodId, ByteBuf in)");
        s.open("return switch (classId << 16 | methodId)");
        for (Spec.Method m : methods) {
            s.line("case %s -> %s.decode(in);", key(m), m.javaName());
        }
        s.line("default -> null;");
        s.close(";");
        s.close();
        s.close();
        return s.toString();
    }

    /** The switch key {@code classId << 16 | methodId} as a hex literal, e.g. {@code 0x003C0028}. */
    private static String key(Spec.Method m) {
        return String.format("0x%04X%04X", m.owner().id(), m.id());
    }

    private static String encoder(List<Spec.Method> methods) {
        JavaSource s = JavaSource.file(List.of("io.netty.buffer.ByteBuf"));
        s.javadoc(
                "Encodes an {@link AmqpMethod} as the payload of a method frame (spec 4.2.5: class id, method id,",
                "arguments, consecutive bits packed low bit first).",
                "",
                "<p>Threading: stateless.");
        s.open("public final class MethodEncoder");
        s.blank();
        s.line("private MethodEncoder() {}");
        s.blank();
        s.javadoc(
                "Appends the method's payload to {@code out} (the caller owns {@code out}).",
                "",
                "@throws IllegalArgumentException when a value cannot be encoded (a short string over 255 UTF-8 bytes, a",
                "    table value of an unsupported type); {@code out} then holds a partial payload: discard it");
        s.open("public static void encode(AmqpMethod method, ByteBuf out)");
        s.line("out.writeShort(method.classId());");
        s.line("out.writeShort(method.methodId());");
        s.open("switch (method)");
        for (Spec.Method m : methods) {
            s.line("case %s m -> m.encode(out);", m.javaName());
        }
        s.close();
        s.close();
        s.close();
        return s.toString();
    }
}
