package io.hermod.broker.definitions;

import java.util.Objects;

/**
 * One change to the definitions: the unit of the metadata log. The broker's definitions are what replaying these
 * records in order produces (STYLE.md rule 8); a snapshot is a list of {@code *Added} records that rebuilds the same
 * state.
 */
public sealed interface DefinitionRecord {

    /** The vhost the record belongs to. */
    String vhost();

    record VhostAdded(String vhost) implements DefinitionRecord {
        public VhostAdded {
            Objects.requireNonNull(vhost, "vhost");
        }
    }

    record VhostRemoved(String vhost) implements DefinitionRecord {
        public VhostRemoved {
            Objects.requireNonNull(vhost, "vhost");
        }
    }

    record ExchangeAdded(ExchangeDefinition exchange) implements DefinitionRecord {
        public ExchangeAdded {
            Objects.requireNonNull(exchange, "exchange");
        }

        @Override
        public String vhost() {
            return exchange.vhost();
        }
    }

    record ExchangeRemoved(String vhost, String name) implements DefinitionRecord {
        public ExchangeRemoved {
            Objects.requireNonNull(vhost, "vhost");
            Objects.requireNonNull(name, "name");
        }
    }

    record QueueAdded(QueueDefinition queue) implements DefinitionRecord {
        public QueueAdded {
            Objects.requireNonNull(queue, "queue");
        }

        @Override
        public String vhost() {
            return queue.vhost();
        }
    }

    record QueueRemoved(String vhost, String name) implements DefinitionRecord {
        public QueueRemoved {
            Objects.requireNonNull(vhost, "vhost");
            Objects.requireNonNull(name, "name");
        }
    }

    record BindingAdded(BindingDefinition binding) implements DefinitionRecord {
        public BindingAdded {
            Objects.requireNonNull(binding, "binding");
        }

        @Override
        public String vhost() {
            return binding.vhost();
        }
    }

    record BindingRemoved(BindingDefinition binding) implements DefinitionRecord {
        public BindingRemoved {
            Objects.requireNonNull(binding, "binding");
        }

        @Override
        public String vhost() {
            return binding.vhost();
        }
    }
}
