package io.hermod.amqp.server;

import io.hermod.broker.Message;

/**
 * The {@code expiration} property of a published message: its time to live in milliseconds, written as a decimal
 * string. Read as RabbitMQ reads it (rabbit_basic:parse_expiration, rabbit_misc:check_expiry): digits only, from 0 to
 * 2^32-1; anything else closes the channel with PRECONDITION_FAILED and RabbitMQ's wording.
 */
final class Expiration {

    /** RabbitMQ's largest expiry timer, in milliseconds. */
    static final long MAX = 4_294_967_295L;

    private Expiration() {}

    /**
     * The time to live {@code expiration} gives, {@link Message#NO_TTL} when it is absent.
     *
     * @throws ProtocolError PRECONDITION_FAILED (a channel error) for a value RabbitMQ refuses
     */
    static long parse(String expiration) {
        if (expiration == null) {
            return Message.NO_TTL;
        }
        int digitsFrom = expiration.startsWith("-") || expiration.startsWith("+") ? 1 : 0;
        int end = digitsFrom;
        while (end < expiration.length() && expiration.charAt(end) >= '0' && expiration.charAt(end) <= '9') {
            end++;
        }
        if (end == digitsFrom) {
            throw invalid(expiration, "no_integer");
        }
        if (end < expiration.length()) {
            throw invalid(expiration, "{leftover_string,\"" + expiration.substring(end) + "\"}");
        }
        String number = expiration.startsWith("+") ? expiration.substring(1) : expiration;
        boolean negative = number.startsWith("-");
        // 18 digits always fit in a long; more are out of range either way
        long value = end - digitsFrom > 18 ? (negative ? -1 : MAX + 1) : Long.parseLong(number);
        if (value < 0) {
            throw invalid(expiration, "{value_negative," + number + "}");
        }
        if (value > MAX) {
            throw invalid(expiration, "{value_too_large," + number + "}");
        }
        return value;
    }

    private static ProtocolError invalid(String expiration, String reason) {
        return new ProtocolError(
                ReplyCodes.PRECONDITION_FAILED, false, "invalid expiration '" + expiration + "': " + reason, 60, 40);
    }
}
