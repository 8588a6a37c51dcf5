package io.hermod.broker;

import io.hermod.broker.definitions.ExchangeDefinition;
import io.hermod.broker.exchange.ExchangeRouter;
import io.hermod.broker.exchange.ExchangeType;

/**
 * An exchange at run time: its definition and the router holding its bindings. The default exchange ({@code ""}) has
 * no router: it routes to the queue named by the routing key.
 *
 * <p>Threading: immutable but for the router, which follows {@link ExchangeRouter}'s one-writer contract (the writer
 * is the broker applying definition records).
 */
final class Exchange {

    static final String ALTERNATE_EXCHANGE = "alternate-exchange";

    private final ExchangeDefinition definition;
    private final ExchangeRouter<BindingTarget> router;

    Exchange(ExchangeDefinition definition, ExchangeType type) {
        this.definition = definition;
        this.router = definition.name().isEmpty() ? null : type.newRouter();
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
