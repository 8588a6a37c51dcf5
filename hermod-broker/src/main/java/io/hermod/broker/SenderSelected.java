package io.hermod.broker;

import io.hermod.broker.definitions.Arguments;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * RabbitMQ's sender-selected distribution (https://www.rabbitmq.com/docs/sender-selected): a published message whose
 * headers hold {@code CC} or {@code BCC}, arrays of strings, is routed with each of those strings as a routing key
 * besides its own, through the same exchange, and reaches each queue once. {@code BCC} is taken out of the message
 * before a queue stores it; {@code CC} stays.
 *
 * <p>As rabbit_basic:header_routes: an array's elements that are not strings are passed over, and a {@code CC} or
 * {@code BCC} that is not an array makes the message invalid (PRECONDITION_FAILED). The headers are the ones the
 * protocol decoded for the broker ({@link Message#headers()}); taking {@code BCC} out of the stored properties needs
 * the protocol's {@link PropertiesFormat}.
 *
 * <p>Stateless. Every publish pays {@link #named}: an emptiness test for a message without headers, two lookups for
 * one with.
 */
final class SenderSelected {

    static final String CC = "CC";
    static final String BCC = "BCC";

    private SenderSelected() {}

    /** Whether the headers name extra routing keys, or at least carry the headers that would. */
    static boolean named(Map<String, Object> headers) {
        return !headers.isEmpty() && (headers.containsKey(CC) || headers.containsKey(BCC));
    }

    /**
     * Refuses a message whose {@code CC} or {@code BCC} is not an array, with rabbit_channel's text.
     *
     * @throws BrokerException {@code PRECONDITION_FAILED}: {@code invalid message:
     *     {unacceptable_type_in_header,"CC",longstr}}
     */
    static void check(Map<String, Object> headers) {
        for (String key : new String[] {CC, BCC}) {
            if (headers.containsKey(key) && !(headers.get(key) instanceof List<?>)) {
                throw new BrokerException(
                        ErrorCode.PRECONDITION_FAILED,
                        "invalid message: {unacceptable_type_in_header,\"" + key + "\","
                                + Arguments.typeName(headers.get(key)) + "}");
            }
        }
    }

    /**
     * The routing keys the headers add to the message's own: {@code CC}'s strings, then {@code BCC}'s; empty when
     * there are none. A value that is not an array adds nothing (a stored message was checked when published).
     */
    static List<String> keys(Map<String, Object> headers) {
        if (!named(headers)) {
            return List.of();
        }
        List<String> keys = new ArrayList<>();
        addStrings(headers.get(CC), keys);
        addStrings(headers.get(BCC), keys);
        return keys;
    }

    /** {@code CC}'s strings only: what a dead-lettered message's {@code x-death} lists besides its routing key. */
    static List<String> ccKeys(Map<String, Object> headers) {
        List<String> keys = new ArrayList<>();
        addStrings(headers.get(CC), keys);
        return keys;
    }

    private static void addStrings(Object value, List<String> keys) {
        if (value instanceof List<?> list) {
            for (Object element : list) {
                if (element instanceof String s) {
                    keys.add(s);
                }
            }
        }
    }

    /** The headers without {@code BCC}: {@code headers} itself when it has none. */
    static Map<String, Object> withoutBcc(Map<String, Object> headers) {
        if (headers.isEmpty() || !headers.containsKey(BCC)) {
            return headers;
        }
        Map<String, Object> without = new LinkedHashMap<>(headers);
        without.remove(BCC);
        return without;
    }

    /**
     * The message as queues store and deliver it: without {@code BCC}, in its headers and, where they carry it, in its
     * encoded properties; {@code message} itself when it has none. Properties the format cannot read (an embedded
     * publisher's) are left as they are.
     */
    static Message withoutBcc(Message message, PropertiesFormat format) {
        Map<String, Object> headers = withoutBcc(message.headers());
        if (headers == message.headers()) {
            return message;
        }
        ByteBuffer properties = ByteBuffer.wrap(message.properties());
        Map<String, Object> encoded = format.headers(properties.duplicate());
        return new Message(
                message.exchange(),
                message.routingKey(),
                headers,
                message.persistent(),
                encoded.containsKey(BCC)
                        ? format.withHeaders(properties, withoutBcc(encoded), false)
                        : message.properties(),
                message.body(),
                message.ttlMillis(),
                message.priority());
    }
}
