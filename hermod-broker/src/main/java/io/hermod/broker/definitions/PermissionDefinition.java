package io.hermod.broker.definitions;

import java.util.Objects;

/**
 * What a user may do in one vhost, as RabbitMQ's {@code set_permissions}: three regular expressions, matched against
 * the names of exchanges and queues, for the configure (declare, delete), write (publish, bind to) and read (consume,
 * get, purge, bind from) operations (https://www.rabbitmq.com/docs/access-control#authorisation). A user with a
 * permission entry for a vhost may connect to it, even when all three patterns match nothing.
 */
public record PermissionDefinition(String vhost, String user, String configure, String write, String read) {

    public PermissionDefinition {
        Objects.requireNonNull(vhost, "vhost");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(configure, "configure");
        Objects.requireNonNull(write, "write");
        Objects.requireNonNull(read, "read");
    }
}
