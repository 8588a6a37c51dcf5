package io.hermod.amqp.codegen;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Generates {@code ReplyCode} (the spec's reply codes, with their soft/hard error class) and {@code AmqpConstants}
 * (frame types, frame sizes, version, port, protocol header).
 *
 * <p>Threading: stateless.
 */
final class Constants {

    private Constants() {}

    static Map<String, String> generate(Spec spec) {
        List<Spec.Constant> replyCodes =
                spec.constants().stream().filter(Constants::isReplyCode).toList();
        List<Spec.Constant> others =
                spec.constants().stream().filter(c -> !isReplyCode(c)).toList();
        for (Spec.Constant c : others) {
            if (!c.name().startsWith("FRAME-")) {
                throw new IllegalStateException("spec constant " + c.name() + " is neither a frame constant nor a reply"
                        + " code: decide where it belongs");
            }
        }
        Map<String, String> files = new TreeMap<>();
        files.put("ReplyCode.java", replyCode(replyCodes));
        files.put("AmqpConstants.java", amqpConstants(spec, others));
        return files;
    }

    private static boolean isReplyCode(Spec.Constant c) {
        return c.errorClass() != null || c.name().startsWith("REPLY-");
    }

    private static String replyCode(List<Spec.Constant> codes) {
        JavaSource s = JavaSource.file(List.of("java.util.Optional"));
        s.javadoc(
                "The reply codes of AMQP 0-9-1 (the spec's constants), used in {@code connection.close} and",
                "{@code channel.close}: a soft error closes the channel, a hard error the connection. Our one table",
                "of protocol errors: every failure sent to a client names one of these.",
                "",
                "<p>Threading: immutable.");
        s.open("public enum ReplyCode");
        for (int i = 0; i < codes.size(); i++) {
            Spec.Constant c = codes.get(i);
            s.line(
                    "%s(%d, %s)%s",
                    Names.constantName(c.name()),
                    c.value(),
                    c.errorClass() == null
                            ? "Kind.SUCCESS"
                            : c.errorClass().equals("soft-error") ? "Kind.SOFT" : "Kind.HARD",
                    i == codes.size() - 1 ? ";" : ",");
        }
        s.blank();
        s.javadoc("The spec's class of a reply code.");
        s.open("enum Kind");
        s.line("SUCCESS,");
        s.line("SOFT,");
        s.line("HARD");
        s.close();
        s.blank();
        s.line("private final int value;");
        s.line("private final Kind kind;");
        s.blank();
        s.open("ReplyCode(int value, Kind kind)");
        s.line("this.value = value;");
        s.line("this.kind = kind;");
        s.close();
        s.blank();
        s.javadoc("The numeric code sent on the wire.");
        s.open("public int value()");
        s.line("return value;");
        s.close();
        s.blank();
        s.javadoc("Whether the spec classes it a hard error: the connection is closed.");
        s.open("public boolean hardError()");
        s.line("return kind == Kind.HARD;");
        s.close();
        s.blank();
        s.javadoc("Whether the spec classes it a soft error: only the channel is closed.");
        s.open("public boolean softError()");
        s.line("return kind == Kind.SOFT;");
        s.close();
        s.blank();
        s.javadoc("The reply code with this numeric value, if the spec defines one.");
        s.open("public static Optional<ReplyCode> of(int value)");
        s.open("return switch (value)");
        for (Spec.Constant c : codes) {
            s.line("case %d -> Optional.of(%s);", c.value(), Names.constantName(c.name()));
        }
        s.line("default -> Optional.empty();");
        s.close(";");
        s.close();
        s.close();
        return s.toString();
    }

    private static String amqpConstants(Spec spec, List<Spec.Constant> constants) {
        JavaSource s = JavaSource.file(List.of("io.netty.buffer.ByteBuf"));
        s.javadoc(
                "The numeric constants of AMQP 0-9-1 (frame types, frame sizes) and its identity (version, port,",
                "protocol header, spec section 4.2.2), from the spec.",
                "",
                "<p>Threading: stateless.");
        s.open("public final class AmqpConstants");
        for (Spec.Constant c : constants) {
            s.blank();
            s.javadoc("Spec constant {@code " + c.name() + "}, {@value}.");
            s.line("public static final int %s = %d;", Names.constantName(c.name()), c.value());
        }
        s.blank();
        s.javadoc("The protocol's major version, {@value}.");
        s.line("public static final int VERSION_MAJOR = %d;", spec.major());
        s.blank();
        s.javadoc("The protocol's minor version, {@value}.");
        s.line("public static final int VERSION_MINOR = %d;", spec.minor());
        s.blank();
        s.javadoc("The protocol's revision, {@value}.");
        s.line("public static final int VERSION_REVISION = %d;", spec.revision());
        s.blank();
        s.javadoc("The IANA port of AMQP, {@value}.");
        s.line("public static final int PORT = %d;", spec.port());
        s.blank();
        s.javadoc("The length of the protocol header, {@value}.");
        s.line("public static final int PROTOCOL_HEADER_LENGTH = 8;");
        s.blank();
        s.line("private AmqpConstants() {}");
        s.blank();
        s.javadoc(
                "The protocol header a client sends first and a server answers a mismatch with (spec 4.2.2):",
                "{@code 'A' 'M' 'Q' 'P' 0 major minor revision}. A fresh array on every call.");
        s.open("public static byte[] protocolHeader()");
        s.line("return new byte[] {'A', 'M', 'Q', 'P', 0, VERSION_MAJOR, VERSION_MINOR, VERSION_REVISION};");
        s.close();
        s.blank();
        s.javadoc("Appends the protocol header to {@code out} (the caller owns {@code out}).");
        s.open("public static void writeProtocolHeader(ByteBuf out)");
        s.line("out.writeBytes(protocolHeader());");
        s.close();
        s.blank();
        s.javadoc(
                "Whether the {@link #PROTOCOL_HEADER_LENGTH} bytes of {@code in} from {@code index} are this",
                "protocol's header; false when fewer bytes are there. Does not move indexes.");
        s.open("public static boolean isProtocolHeader(ByteBuf in, int index)");
        s.open("if (index < 0 || in.writerIndex() - index < PROTOCOL_HEADER_LENGTH)");
        s.line("return false;");
        s.close();
        s.line("byte[] expected = protocolHeader();");
        s.open("for (int i = 0; i < PROTOCOL_HEADER_LENGTH; i++)");
        s.open("if (in.getByte(index + i) != expected[i])");
        s.line("return false;");
        s.close();
        s.close();
        s.line("return true;");
        s.close();
        s.close();
        return s.toString();
    }
}
