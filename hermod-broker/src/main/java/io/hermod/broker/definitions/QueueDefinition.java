package io.hermod.broker.definitions;

import java.util.Map;
import java.util.Objects;

/**
 * What declares a queue: its name within a vhost, its flags and arguments, and the storage id of its log. The storage
 * id is chosen when the queue is created and never reused, so a queue deleted and declared again under the same name
 * never sees the old one's messages.
 */
public record QueueDefinition(
        String vhost,
        String name,
        String storageId,
        boolean durable,
        boolean exclusive,
        boolean autoDelete,
        Map<String, Object> arguments) {

    public QueueDefinition {
        Objects.requireNonNull(vhost, "vhost");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(storageId, "storageId");
        arguments = Arguments.copyOf(arguments);
    }
}
