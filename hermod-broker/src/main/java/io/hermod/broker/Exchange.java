package io.hermod.broker;

import io.hermod.broker.dedup.DedupWindow;
import io.hermod.broker.dedup.Deduplication;
import io.hermod.broker.definitions.ExchangeDefinition;
import io.hermod.broker.delay.DelayStore;
import io.hermod.broker.exchange.ExchangeRouter;
import io.hermod.broker.exchange.ExchangeType;
import io.hermod.storage.LogStore;
import java.time.InstantSource;

/**
 * An exchange at run time: its definition and the router holding its bindings. The default exchange ({@code ""}) has
 * no router: it routes to the queue named by the routing key. A delayed exchange ({@code x-delayed-message}) routes
 * with the router of its {@code x-delayed-type} and keeps the messages it delays in its {@link DelayStore}.
 *
 * <p>Threading: immutable but for the router, which follows {@link ExchangeRouter}'s one-writer contract (the writer
 * is the broker applying definition records).
 */
final class Exchange {

    static final String ALTERNATE_EXCHANGE = "alternate-exchange";

    /** The names of exchanges' deduplication logs start with this. */
    static final String DEDUP_LOG_PREFIX = "xd-";

    private final ExchangeDefinition definition;
    private final ExchangeType routingType;
    private final ExchangeRouter<BindingTarget> router;
    private final Deduplication dedup; // x-message-deduplication; null without it
    private final DedupWindow dedupWindow;
    private final DelayStore delayStore;

    Exchange(ExchangeDefinition definition, ExchangeType type) {
        this(definition, type, null, null, null);
    }

    /**
     * An exchange routing as {@code routingType}; a delayed one with its store. With {@code x-message-deduplication}
     * its window is opened in {@code store} (a durable exchange's survives restarts; null for a transient one, kept in
     * memory).
     */
    Exchange(
            ExchangeDefinition definition,
            ExchangeType routingType,
            DelayStore delayStore,
            LogStore store,
            InstantSource clock) {
        this.definition = definition;
        this.routingType = routingType;
        this.router = definition.name().isEmpty() ? null : routingType.newRouter();
        this.delayStore = delayStore;
        this.dedup = clock == null ? null : Deduplication.ofDefined(definition.arguments());
        this.dedupWindow = dedup == null
                ? null
                : DedupWindow.open(
                        definition.durable() ? store : null,
                        dedupLogName(definition.vhost(), definition.name()),
                        dedup.cacheSize(),
                        dedup.cacheTtlMillis(),
                        clock);
    }

    /** The log name of an exchange's deduplication window: a digest of vhost and name, which may hold any text. */
    static String dedupLogName(String vhost, String exchange) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest((vhost + "\u0000" + exchange).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return DEDUP_LOG_PREFIX + java.util.HexFormat.of().formatHex(digest, 0, 12);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing", e);
        }
    }

    /** Its deduplication, or null. */
    Deduplication dedup() {
        return dedup;
    }

    /** Its deduplication window, or null. */
    DedupWindow dedupWindow() {
        return dedupWindow;
    }

    /** The exchange is deleted: its window's log goes. */
    void deleted() {
        if (dedupWindow != null) {
            dedupWindow.delete();
        }
    }

    /** The broker closes. */
    void close() {
        if (dedupWindow != null) {
            dedupWindow.close();
        }
    }

    ExchangeDefinition definition() {
        return definition;
    }

    String name() {
        return definition.name();
    }

    boolean isDefault() {
        return router == null;
    }

    /** The type whose rule routes messages: the declared type, or a delayed exchange's {@code x-delayed-type}. */
    ExchangeType routingType() {
        return routingType;
    }

    /** The store of a delayed exchange, else null. */
    DelayStore delayStore() {
        return delayStore;
    }

    /** Null only for the default exchange. */
    ExchangeRouter<BindingTarget> router() {
        return router;
    }

    /** The name of the alternate exchange, or null. */
    String alternate() {
        return definition.arguments().get(ALTERNATE_EXCHANGE) instanceof String s ? s : null;
    }

    @Override
    public String toString() {
        return "exchange '" + name() + "' in vhost '" + definition.vhost() + "'";
    }
}
