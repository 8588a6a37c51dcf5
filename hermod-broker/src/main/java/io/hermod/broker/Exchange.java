package io.hermod.broker;

import io.hermod.broker.definitions.ExchangeDefinition;
import io.hermod.broker.delay.DelayStore;
import io.hermod.broker.exchange.ExchangeRouter;
import io.hermod.broker.exchange.ExchangeType;

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

    private final ExchangeDefinition definition;
    private final ExchangeType routingType;
    private final ExchangeRouter<BindingTarget> router;
    private final DelayStore delayStore;

    Exchange(ExchangeDefinition definition, ExchangeType type) {
        this(definition, type, null);
    }

    /** An exchange routing as {@code routingType}; a delayed one with its store. */
    Exchange(ExchangeDefinition definition, ExchangeType routingType, DelayStore delayStore) {
        this.definition = definition;
        this.routingType = routingType;
        this.router = definition.name().isEmpty() ? null : routingType.newRouter();
        this.delayStore = delayStore;
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
