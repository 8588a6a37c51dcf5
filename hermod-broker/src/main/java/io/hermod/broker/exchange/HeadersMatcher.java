package io.hermod.broker.exchange;

import io.hermod.broker.BrokerException;
import io.hermod.broker.ErrorCode;
import io.hermod.broker.definitions.Arguments;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The match rule of one headers-exchange binding, compiled from its arguments: which message headers it tests, with
 * which values, and whether all or any of the tests must pass. Follows RabbitMQ's {@code
 * rabbit_exchange_type_headers.erl} (4.x, {@code match_all}/{@code match_any}/{@code match}/{@code match_x}):
 *
 * <ul>
 *   <li>{@code x-match} is {@code all} (the default when absent), {@code any}, {@code all-with-x} or {@code
 *       any-with-x}; any other string, or a value that is not a string (void included), is refused at bind with
 *       {@code PRECONDITION_FAILED} ({@code validate_binding/2}, whose {@code binding_invalid} {@code rabbit_channel}
 *       turns into a 406).
 *   <li>{@code x-match} itself never takes part; other arguments named {@code x-...} take part only with the {@code
 *       -with-x} variants.
 *   <li>An argument whose value is void ({@code null}) passes when the message has that header, whatever its value.
 *       Any other argument passes when the message has that header with an equivalent value ({@link
 *       Arguments#valuesEquivalent}: integers by value across widths, arrays element by element, tables name by
 *       name). RabbitMQ compares the decoded terms with {@code =:=}, which agrees at the top level (the field type is
 *       dropped, {@code mc_amqpl:routing_headers/2}) but is stricter inside nested tables (types and order count);
 *       Hermod applies its one equivalence everywhere rather than copy that accident.
 *   <li>{@code all} passes when every argument taking part passes, so with none it passes every message; {@code any}
 *       passes when one does, so with none it passes no message.
 * </ul>
 *
 * <p>Immutable, safe to share between threads once published; {@link #matches} allocates nothing unless a value
 * comparison does (floating-point and decimal values are compared as {@code BigDecimal}s).
 */
final class HeadersMatcher {

    static final String X_MATCH = "x-match";

    private final boolean any;
    private final String[] names;
    // null: the binding's value is void, and the header need only be present
    private final Object[] values;

    private HeadersMatcher(boolean any, String[] names, Object[] values) {
        this.any = any;
        this.names = names;
        this.values = values;
    }

    /**
     * The matcher of a binding with these arguments, which the caller must not change afterwards.
     *
     * @throws BrokerException {@code PRECONDITION_FAILED} when {@code x-match} is invalid
     */
    static HeadersMatcher compile(Map<String, Object> arguments) {
        boolean any = false;
        boolean withX = false;
        if (arguments.containsKey(X_MATCH)) {
            Object xMatch = arguments.get(X_MATCH);
            if (!(xMatch instanceof String mode)) {
                throw new BrokerException(
                        ErrorCode.PRECONDITION_FAILED,
                        "Invalid x-match field type " + typeName(xMatch) + "; expected a string");
            }
            switch (mode) {
                case "all" -> {}
                case "any" -> any = true;
                case "all-with-x" -> withX = true;
                case "any-with-x" -> {
                    any = true;
                    withX = true;
                }
                default ->
                    throw new BrokerException(
                            ErrorCode.PRECONDITION_FAILED,
                            "Invalid x-match field value \"" + mode
                                    + "\"; expected all, any, all-with-x, or any-with-x");
            }
        }
        List<String> names = new ArrayList<>(arguments.size());
        List<Object> values = new ArrayList<>(arguments.size());
        for (Map.Entry<String, Object> argument : arguments.entrySet()) {
            String name = argument.getKey();
            if (name.equals(X_MATCH) || (!withX && name.startsWith("x-"))) {
                continue;
            }
            names.add(name);
            values.add(argument.getValue());
        }
        return new HeadersMatcher(any, names.toArray(String[]::new), values.toArray());
    }

    /** Whether a message with these headers matches. */
    boolean matches(Map<String, Object> headers) {
        if (any) {
            for (int i = 0; i < names.length; i++) {
                if (passes(i, headers)) {
                    return true;
                }
            }
            return false;
        }
        for (int i = 0; i < names.length; i++) {
            if (!passes(i, headers)) {
                return false;
            }
        }
        return true;
    }

    private boolean passes(int i, Map<String, Object> headers) {
        Object expected = values[i];
        if (expected == null) {
            return headers.containsKey(names[i]);
        }
        // a missing header reads as null, which no non-void value is equivalent to
        return Arguments.valuesEquivalent(expected, headers.get(names[i]));
    }

    private static String typeName(Object value) {
        return value == null ? "void" : value.getClass().getSimpleName();
    }
}
