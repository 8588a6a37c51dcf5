package io.hermod.server.management;

import io.hermod.amqp.server.AmqpServer;
import io.hermod.broker.Broker;
import io.hermod.broker.Channel;
import io.hermod.broker.Session;
import io.hermod.broker.VirtualHost;
import io.hermod.broker.definitions.PermissionDefinition;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What the resources share: the broker, the AMQP server (connections and channels), the listeners, and the vhost rules
 * every resource applies the same way — a vhost that is not there is 404, one the user may not see is 403.
 *
 * <p>Threading: thread-safe (everything it holds is).
 */
final class ManagementContext {

    private final Broker broker;
    private final AmqpServer amqp;
    private final Supplier<List<Listener>> listeners;

    ManagementContext(Broker broker, AmqpServer amqp, Supplier<List<Listener>> listeners) {
        this.broker = broker;
        this.amqp = amqp;
        this.listeners = listeners;
    }

    Broker broker() {
        return broker;
    }

    AmqpServer amqp() {
        return amqp;
    }

    List<Listener> listeners() {
        return listeners.get();
    }

    /**
     * The vhost by name.
     *
     * @throws ApiException 404 when there is none
     */
    VirtualHost vhost(String name) {
        return broker.vhost(name).orElseThrow(() -> ApiException.notFound("no vhost '" + name + "'"));
    }

    /** Whether the user has a permission entry in the vhost (what lets it connect there, as AMQP). */
    boolean hasPermissions(ApiUser user, String vhost) {
        for (PermissionDefinition p : broker.permissions()) {
            if (p.vhost().equals(vhost) && p.user().equals(user.name())) {
                return true;
            }
        }
        return false;
    }

    /** Whether the user may read what is in the vhost: monitoring and administrators read every vhost. */
    boolean canRead(ApiUser user, String vhost) {
        return user.monitoring() || hasPermissions(user, vhost);
    }

    /** The vhosts the user may read, sorted. */
    List<String> readableVhosts(ApiUser user) {
        return broker.vhostNames().stream()
                .filter(v -> canRead(user, v))
                .sorted()
                .toList();
    }

    /**
     * The vhosts a list covers: the one named (404 or 403 as {@link #readableVhost}), or with {@code vhost} null every
     * vhost the user may read, sorted by name.
     */
    List<VirtualHost> readableVhosts(ApiUser user, String vhost) {
        if (vhost != null) {
            return List.of(readableVhost(user, vhost));
        }
        return readableVhosts(user).stream()
                .map(broker::vhost)
                .flatMap(Optional::stream)
                .toList();
    }

    /**
     * The vhost, for reading.
     *
     * @throws ApiException 404 when there is none, 403 when the user may not read it
     */
    VirtualHost readableVhost(ApiUser user, String vhost) {
        VirtualHost v = vhost(vhost);
        if (!canRead(user, vhost)) {
            throw ApiException.forbidden("access to vhost '" + vhost + "' refused for user '" + user.name() + "'");
        }
        return v;
    }

    /**
     * Runs {@code work} on a broker channel of a session opened as the user in the vhost, as RabbitMQ's management
     * plugin acts through a connection of the user's: the user's configure, write and read permissions apply, and
     * administrators too need permissions in the vhost.
     *
     * @throws ApiException 404 when there is no such vhost, 403 when the user has no permissions in it
     */
    <T> T asUser(ApiUser user, String vhost, Function<Channel, T> work) {
        vhost(vhost);
        try (Session session = broker.connect(vhost, "management (" + user.name() + ")", user.name(), false);
                Channel channel = session.openChannel()) {
            return work.apply(channel);
        }
    }

    /** As {@link #asUser} but trusted (definitions import, health checks): no permission checks. */
    <T> T trusted(String vhost, Function<Channel, T> work) {
        vhost(vhost);
        try (Session session = broker.connect(vhost, "management");
                Channel channel = session.openChannel()) {
            return work.apply(channel);
        }
    }
}
