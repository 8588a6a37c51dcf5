package io.hermod.broker.exchange;

import java.util.Optional;

/**
 * The exchange types the broker knows, by the names clients declare them with (AMQP 0-9-1 {@code exchange.declare}'s
 * {@code type}; RabbitMQ registers its built-in types under these names). Names are case-sensitive, as in RabbitMQ,
 * where {@code "Direct"} is an unknown type.
 *
 * <p>Immutable; safe from any thread.
 */
public enum ExchangeType {
    DIRECT("direct"),
    FANOUT("fanout"),
    TOPIC("topic"),
    HEADERS("headers");

    // values() copies the array on each call
    private static final ExchangeType[] TYPES = values();

    private final String typeName;

    ExchangeType(String typeName) {
        this.typeName = typeName;
    }

    /** The name clients declare this type with. */
    public String typeName() {
        return typeName;
    }

    /** The type declared with {@code name}, exactly (case-sensitive); empty for an unknown name or {@code null}. */
    public static Optional<ExchangeType> byName(String name) {
        for (ExchangeType type : TYPES) {
            if (type.typeName.equals(name)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }

    /**
     * Whether this type's routers match the routing key (direct, topic); fanout and headers routers pass it over, so a
     * message with several keys (sender-selected distribution) is routed through them once.
     */
    public boolean routesByKey() {
        return switch (this) {
            case DIRECT, TOPIC -> true;
            case FANOUT, HEADERS -> false;
        };
    }

    /** A router for a new exchange of this type, with no bindings. */
    public <D> ExchangeRouter<D> newRouter() {
        return switch (this) {
            case DIRECT -> new DirectRouter<>();
            case FANOUT -> new FanoutRouter<>();
            case TOPIC -> new TopicRouter<>();
            case HEADERS -> new HeadersRouter<>();
        };
    }
}
