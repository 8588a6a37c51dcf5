package io.hermod.server.management;

/** Who may call a route, checked before its handler runs; finer, per-vhost checks are the handler's. */
enum Access {
    /** No credentials needed (for endpoints such as a Prometheus scrape or the console's static files). */
    PUBLIC,
    /** Any user tagged management, policymaker, monitoring or administrator. */
    MANAGEMENT,
    /** Monitoring or administrator. */
    MONITORING,
    /** Policymaker or administrator (RabbitMQ's rule for policies). */
    POLICYMAKER,
    /** Administrator only. */
    ADMINISTRATOR;

    boolean allows(ApiUser user) {
        return switch (this) {
            case PUBLIC -> true;
            case MANAGEMENT -> user != null && user.management();
            case MONITORING -> user != null && user.monitoring();
            case POLICYMAKER -> user != null && user.policymaker();
            case ADMINISTRATOR -> user != null && user.administrator();
        };
    }
}
