package io.hermod.amqp.codegen;

import java.util.Arrays;

/**
 * The AMQP 0-9-1 argument and property types (spec section 4.2.5) and how each maps to Java.
 *
 * <p>Threading: immutable.
 */
enum WireType {
    BIT("bit", "boolean", "Boolean"),
    OCTET("octet", "int", "Integer"),
    SHORT("short", "int", "Integer"),
    /** 32-bit unsigned on the wire; carried in an {@code int} (read it with {@link Integer#toUnsignedLong}). */
    LONG("long", "int", "Integer"),
    /** 64-bit unsigned on the wire; carried in a {@code long}. */
    LONGLONG("longlong", "long", "Long"),
    SHORTSTR("shortstr", "String", "String"),
    /** Text unless the field is binary (see {@link Names#isBinary}); binary long strings are {@code byte[]}. */
    LONGSTR("longstr", "String", "String"),
    TABLE("table", "Map<String, Object>", "Map<String, Object>"),
    /**
     * Seconds since the epoch, 64 bits on the wire; carried in a {@code long} as its bits, whatever the value (RabbitMQ
     * passes any through; a client may put milliseconds or nanoseconds there).
     */
    TIMESTAMP("timestamp", "long", "Long");

    private final String specName;
    private final String javaType;
    private final String boxedType;

    WireType(String specName, String javaType, String boxedType) {
        this.specName = specName;
        this.javaType = javaType;
        this.boxedType = boxedType;
    }

    String specName() {
        return specName;
    }

    /** The Java type of a method argument of this type (never absent). */
    String javaType() {
        return javaType;
    }

    /** The Java type of a content property of this type (absent is {@code null}). */
    String boxedType() {
        return boxedType;
    }

    static WireType of(String specName) {
        return Arrays.stream(values())
                .filter(t -> t.specName.equals(specName))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown AMQP type in spec: " + specName));
    }
}
