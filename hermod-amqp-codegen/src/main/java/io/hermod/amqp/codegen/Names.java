package io.hermod.amqp.codegen;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns spec names into Java names, with the few deliberate renames the Java API needs.
 *
 * <p>Threading: stateless.
 */
final class Names {

    /**
     * Renamed fields. {@code nowait} reads as two words everywhere else in our API. {@code class-id}/{@code method-id}
     * of {@code connection.close} and {@code channel.close} name the method that failed; as {@code classId()} they
     * would collide with {@code AmqpMethod.classId()}, the close method's own class.
     */
    private static final Map<String, String> RENAMED =
            Map.of("nowait", "noWait", "class-id", "failingClassId", "method-id", "failingMethodId");

    /** Long strings that are binary (SASL responses, challenges and secrets); all others are text. */
    private static final Set<String> BINARY_LONGSTR = Set.of("response", "challenge", "new-secret");

    /** Names a component may not take: Java keywords and the members every method record already has. */
    private static final Set<String> RESERVED = Set.of(
            "classId",
            "methodId",
            "name",
            "hasContent",
            "synchronous",
            "hashCode",
            "toString",
            "equals",
            "getClass",
            "encode",
            "decode",
            "abstract",
            "assert",
            "boolean",
            "break",
            "byte",
            "case",
            "catch",
            "char",
            "class",
            "const",
            "continue",
            "default",
            "do",
            "double",
            "else",
            "enum",
            "extends",
            "final",
            "finally",
            "float",
            "for",
            "goto",
            "if",
            "implements",
            "import",
            "instanceof",
            "int",
            "interface",
            "long",
            "native",
            "new",
            "package",
            "private",
            "protected",
            "public",
            "return",
            "short",
            "static",
            "strictfp",
            "super",
            "switch",
            "synchronized",
            "this",
            "throw",
            "throws",
            "transient",
            "try",
            "void",
            "volatile",
            "while",
            "record",
            "yield",
            "var",
            "sealed",
            "permits",
            "true",
            "false",
            "null");

    private Names() {}

    /** {@code basic} + {@code recover-async} → {@code BasicRecoverAsync}. */
    static String recordName(String className, String methodName) {
        return upperCamel(className) + upperCamel(methodName);
    }

    /** {@code auto-delete} → {@code autoDelete}, applying the renames; fails on a reserved name. */
    static String componentName(String specName) {
        String name = RENAMED.getOrDefault(specName, lowerCamel(specName));
        if (RESERVED.contains(name)) {
            throw new IllegalStateException(
                    "spec field '" + specName + "' becomes the reserved Java name '" + name + "': add a rename");
        }
        return name;
    }

    /** {@code content-type} → {@code CONTENT_TYPE}; {@code FRAME-END} → {@code FRAME_END}. */
    static String constantName(String specName) {
        return specName.replace('-', '_').toUpperCase(Locale.ROOT);
    }

    static boolean isBinary(String specName) {
        return BINARY_LONGSTR.contains(specName);
    }

    static String upperCamel(String specName) {
        String lower = lowerCamel(specName);
        return Character.toUpperCase(lower.charAt(0)) + lower.substring(1);
    }

    static String lowerCamel(String specName) {
        StringBuilder out = new StringBuilder(specName.length());
        boolean upper = false;
        for (char c : specName.toCharArray()) {
            if (c == '-' || c == '_' || c == ' ') {
                upper = true;
            } else if (!Character.isLetterOrDigit(c)) {
                throw new IllegalArgumentException("unexpected character '" + c + "' in spec name " + specName);
            } else {
                out.append(upper ? Character.toUpperCase(c) : Character.toLowerCase(c));
                upper = false;
            }
        }
        if (out.isEmpty() || !Character.isLetter(out.charAt(0))) {
            throw new IllegalArgumentException("spec name does not start with a letter: " + specName);
        }
        return out.toString();
    }
}
