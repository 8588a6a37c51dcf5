package io.hermod.server.management;

import java.util.Set;

/**
 * The authenticated user of a request and its RabbitMQ user tags, which decide what it may do through the API
 * (https://www.rabbitmq.com/docs/management#permissions): {@code management} sees and acts on the vhosts it has
 * permissions in, {@code policymaker} likewise and sets policies there, {@code monitoring} also reads every vhost,
 * connection and channel, {@code administrator} does everything, users, permissions, vhosts, definitions and operator
 * policies included. A user with none of these tags may not use the API.
 */
record ApiUser(String name, Set<String> tags) {

    static final String ADMINISTRATOR = "administrator";
    static final String MONITORING = "monitoring";
    static final String POLICYMAKER = "policymaker";
    static final String MANAGEMENT = "management";

    ApiUser {
        tags = Set.copyOf(tags);
    }

    boolean administrator() {
        return tags.contains(ADMINISTRATOR);
    }

    /** Reads everything (monitoring or administrator). */
    boolean monitoring() {
        return administrator() || tags.contains(MONITORING);
    }

    /** Sets policies in the vhosts it has permissions in (policymaker or administrator). */
    boolean policymaker() {
        return administrator() || tags.contains(POLICYMAKER);
    }

    /** May use the management API at all. */
    boolean management() {
        return monitoring() || tags.contains(POLICYMAKER) || tags.contains(MANAGEMENT);
    }
}
