package io.hermod.broker.definitions;

import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A policy (RabbitMQ's): queue arguments set for every queue of a vhost whose name matches {@code pattern}, by a key
 * in {@code definition} without the {@code x-} prefix ({@code max-length}, {@code message-ttl},
 * {@code dead-letter-exchange}...). Of the policies matching a queue the one of the highest {@code priority} applies
 * (ties: the first by name). An operator policy ({@code operator}) is a second, separate set an operator keeps: it
 * may only cap numeric limits, and the lower of its value and the queue's wins.
 *
 * @param applyTo {@code queues}, {@code exchanges} or {@code all}; Hermod's policies act on queues only
 */
public record PolicyDefinition(
        String vhost,
        String name,
        String pattern,
        String applyTo,
        int priority,
        Map<String, Object> definition,
        boolean operator) {

    public PolicyDefinition {
        Objects.requireNonNull(vhost, "vhost");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(pattern, "pattern");
        Objects.requireNonNull(applyTo, "applyTo");
        definition = Arguments.copyOf(definition);
    }

    /** Whether it may apply to a queue by this name. */
    public boolean matchesQueue(String queue) {
        return !applyTo.equals("exchanges")
                && Pattern.compile(pattern).matcher(queue).find();
    }
}
