package io.hermod.broker.definitions;

import java.util.Objects;

/**
 * One change to the definitions: the unit of the metadata log. The broker's definitions are what replaying these
 * records in order produces (STYLE.md rule 8); a snapshot is a list of {@code *Added} and {@code *Set} records that
 * rebuilds the same state.
 *
 * <p>Two kinds: {@link VhostRecord}s change vhosts and what is in them; {@link AccessRecord}s change the broker-wide
 * users and their per-vhost permissions.
 */
public sealed interface DefinitionRecord {

    /** A change to a vhost or to what it holds (exchanges, queues, bindings). */
    sealed interface VhostRecord extends DefinitionRecord {
        /** The vhost the record belongs to. */
        String vhost();
    }

    /** A change to the users or their permissions. */
    sealed interface AccessRecord extends DefinitionRecord {}

    record VhostAdded(String vhost) implements VhostRecord {
        public VhostAdded {
            Objects.requireNonNull(vhost, "vhost");
        }
    }

    record VhostRemoved(String vhost) implements VhostRecord {
        public VhostRemoved {
            Objects.requireNonNull(vhost, "vhost");
        }
    }

    record ExchangeAdded(ExchangeDefinition exchange) implements VhostRecord {
        public ExchangeAdded {
            Objects.requireNonNull(exchange, "exchange");
        }

        @Override
        public String vhost() {
            return exchange.vhost();
        }
    }

    record ExchangeRemoved(String vhost, String name) implements VhostRecord {
        public ExchangeRemoved {
            Objects.requireNonNull(vhost, "vhost");
            Objects.requireNonNull(name, "name");
        }
    }

    record QueueAdded(QueueDefinition queue) implements VhostRecord {
        public QueueAdded {
            Objects.requireNonNull(queue, "queue");
        }

        @Override
        public String vhost() {
            return queue.vhost();
        }
    }

    record QueueRemoved(String vhost, String name) implements VhostRecord {
        public QueueRemoved {
            Objects.requireNonNull(vhost, "vhost");
            Objects.requireNonNull(name, "name");
        }
    }

    record BindingAdded(BindingDefinition binding) implements VhostRecord {
        public BindingAdded {
            Objects.requireNonNull(binding, "binding");
        }

        @Override
        public String vhost() {
            return binding.vhost();
        }
    }

    record BindingRemoved(BindingDefinition binding) implements VhostRecord {
        public BindingRemoved {
            Objects.requireNonNull(binding, "binding");
        }

        @Override
        public String vhost() {
            return binding.vhost();
        }
    }

    /** A user is created, or replaced (password and tags) when it exists; its permissions stay. */
    record UserAdded(UserDefinition user) implements AccessRecord {
        public UserAdded {
            Objects.requireNonNull(user, "user");
        }
    }

    /** A user is deleted, with its permissions in every vhost. */
    record UserRemoved(String name) implements AccessRecord {
        public UserRemoved {
            Objects.requireNonNull(name, "name");
        }
    }

    /** A user's permissions in a vhost are set, replacing any it had there. */
    record PermissionSet(PermissionDefinition permission) implements AccessRecord {
        public PermissionSet {
            Objects.requireNonNull(permission, "permission");
        }
    }

    /** A user loses its permissions in a vhost (and so access to it). */
    record PermissionRemoved(String vhost, String user) implements AccessRecord {
        public PermissionRemoved {
            Objects.requireNonNull(vhost, "vhost");
            Objects.requireNonNull(user, "user");
        }
    }

    /** A policy (or an operator policy) of a vhost is set, replacing one of the same kind and name. */
    record PolicySet(PolicyDefinition policy) implements VhostRecord {
        public PolicySet {
            Objects.requireNonNull(policy, "policy");
        }

        @Override
        public String vhost() {
            return policy.vhost();
        }
    }

    /** A policy (or an operator policy) of a vhost is cleared. */
    record PolicyRemoved(String vhost, String name, boolean operator) implements VhostRecord {
        public PolicyRemoved {
            Objects.requireNonNull(vhost, "vhost");
            Objects.requireNonNull(name, "name");
        }
    }
}
