package io.hermod.broker.exchange;

import io.hermod.broker.BrokerException;
import io.hermod.broker.ErrorCode;
import java.math.BigDecimal;
import java.util.Map;

/**
 * The exchange type {@code x-delayed-message}, the interface of RabbitMQ's rabbitmq-delayed-message-exchange plugin:
 * it routes as the type its {@code x-delayed-type} argument names, but a message whose {@code x-delay} header asks for
 * a delay is stored first and routed when due (the broker's delay store). This class holds the rules of the
 * interface, as the plugin has them (rabbit_exchange_type_delayed_message, rabbit_delayed_message_utils): what a
 * declare must carry, and what delay a message asks for.
 *
 * <p>Stateless; safe from any thread.
 */
public final class DelayedMessageType {

    /** The type name clients declare. */
    public static final String NAME = "x-delayed-message";
    /** The exchange argument naming the type it routes as. */
    public static final String DELAYED_TYPE = "x-delayed-type";
    /** The message header with the delay in milliseconds. */
    public static final String DELAY = "x-delay";
    /** The longest delay the plugin takes (Erlang's timer limit); a longer one routes at once, as there. */
    public static final long MAX_DELAY = 4_294_967_295L;

    private DelayedMessageType() {}

    /**
     * The type an {@code x-delayed-message} exchange with these arguments routes as.
     *
     * @throws BrokerException as the plugin's {@code validate/1}: {@code PRECONDITION_FAILED} when {@code
     *     x-delayed-type} is missing or not a string, or is {@code x-delayed-message} itself, or names a type the broker
     *     does not know (rabbit_exchange:check_type)
     */
    public static ExchangeType routingType(Map<String, Object> arguments) {
        if (!(arguments.get(DELAYED_TYPE) instanceof String type)) {
            throw new BrokerException(
                    ErrorCode.PRECONDITION_FAILED,
                    "Invalid argument, 'x-delayed-type' must be an existing exchange type");
        }
        if (type.equals(NAME)) {
            throw new BrokerException(
                    ErrorCode.PRECONDITION_FAILED,
                    "Invalid argument, 'x-delayed-message' can't be used for 'x-delayed-type'");
        }
        return ExchangeType.byName(type)
                .orElseThrow(() ->
                        new BrokerException(ErrorCode.PRECONDITION_FAILED, "unknown exchange type '" + type + "'"));
    }

    /**
     * The delay a message with these headers asks for, in milliseconds; 0 when it asks for none and is routed at once:
     * no {@code x-delay}, a value of zero or below, or above {@link #MAX_DELAY}, or of a type the plugin does not take.
     * As the plugin's get_delay: integers of any width as they are, strings of digits parsed (a string that is not an
     * integer asks for no delay here; the plugin's channel crashes on it), floating-point and decimal values truncated.
     */
    public static long delayOf(Map<String, Object> headers) {
        Object value = headers.get(DELAY);
        long delay;
        switch (value) {
            case Byte b -> delay = b;
            case Short s -> delay = s;
            case Integer i -> delay = i;
            case Long l -> delay = l;
            case Float f -> delay = (long) f.floatValue();
            case Double d -> delay = (long) d.doubleValue();
            case BigDecimal d -> delay = d.longValue();
            case String s -> {
                try {
                    delay = Long.parseLong(s);
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
            case null, default -> {
                return 0;
            }
        }
        return delay > 0 && delay <= MAX_DELAY ? delay : 0;
    }

    /**
     * The headers a delayed message is routed with when due: {@code x-delay} turned negative, as the plugin does (its
     * swap_delay_header), so that another delayed exchange the message reaches through a binding does not delay it
     * again, and consumers can tell it came through a delay.
     */
    public static Map<String, Object> releasedHeaders(Map<String, Object> headers, long delay) {
        Map<String, Object> copy = new java.util.LinkedHashMap<>(headers);
        copy.put(DELAY, delay <= Integer.MAX_VALUE ? (Object) (int) -delay : (Object) (-delay));
        return java.util.Collections.unmodifiableMap(copy);
    }
}
