package io.hermod.amqp.codegen;

import java.util.List;

/**
 * The parts of the machine-readable AMQP spec the generator uses, resolved: domains replaced by their types, names
 * turned into Java names.
 *
 * <p>Threading: immutable.
 */
record Spec(int major, int minor, int revision, int port, List<Constant> constants, List<SpecClass> classes) {

    /** A spec constant; {@code errorClass} is "soft-error", "hard-error" or null. */
    record Constant(String name, int value, String errorClass) {}

    /** One class: its methods and its content properties (only classes with content have properties). */
    record SpecClass(String name, int id, List<Field> properties, List<Method> methods) {}

    /** One method of a class. */
    record Method(
            SpecClass owner,
            String name,
            int id,
            boolean synchronous,
            boolean content,
            List<Field> arguments,
            String javaName) {

        String fullName() {
            return owner.name() + "." + name;
        }
    }

    /**
     * One argument or property.
     *
     * @param specName the name in the spec, e.g. {@code auto-delete}
     * @param domain the spec domain it was declared with, or null when declared with a type
     * @param type the resolved wire type
     * @param binary whether a {@code longstr} carries bytes rather than text
     * @param defaultValue the spec's default, as JSON text, or null
     * @param javaName the record component name, e.g. {@code autoDelete}
     */
    record Field(String specName, String domain, WireType type, boolean binary, String defaultValue, String javaName) {

        String javaType() {
            return binary ? "byte[]" : type.javaType();
        }
    }
}
