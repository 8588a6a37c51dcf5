package io.hermod.broker;

import io.hermod.broker.definitions.Arguments;
import java.util.Map;
import java.util.Objects;

/**
 * How to consume (AMQP basic.consume plus the channel's prefetch): an empty tag asks the broker to choose one;
 * {@code prefetchCount} and {@code prefetchBytes} bound the unacknowledged messages of this consumer (0 = no limit);
 * the priority comes from the {@code x-priority} argument as in RabbitMQ.
 */
public record ConsumeOptions(
        String consumerTag,
        boolean autoAck,
        boolean exclusive,
        int prefetchCount,
        long prefetchBytes,
        Map<String, Object> arguments) {

    public ConsumeOptions {
        Objects.requireNonNull(consumerTag, "consumerTag");
        arguments = Arguments.copyOf(arguments);
        if (prefetchCount < 0 || prefetchBytes < 0) {
            throw new IllegalArgumentException("prefetch must be >= 0");
        }
    }

    /** Manual acknowledgement with a prefetch of {@code prefetchCount} messages. */
    public static ConsumeOptions manualAck(int prefetchCount) {
        return new ConsumeOptions("", false, false, prefetchCount, 0, Map.of());
    }

    /** Automatic acknowledgement (no credit needed). */
    public static ConsumeOptions automaticAck() {
        return new ConsumeOptions("", true, false, 0, 0, Map.of());
    }

    /**
     * The consumer priority: the {@code x-priority} argument, 0 when absent; present but void (null) is refused, as
     * rabbit_amqqueue's check_int_arg refuses it.
     */
    public int priority() {
        if (!arguments.containsKey("x-priority")) {
            return 0;
        }
        Object p = arguments.get("x-priority");
        if (p instanceof Byte || p instanceof Short || p instanceof Integer || p instanceof Long) {
            return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, ((Number) p).longValue()));
        }
        throw new BrokerException(
                ErrorCode.PRECONDITION_FAILED, "x-priority must be an integer, not " + (p == null ? "void" : p));
    }
}
