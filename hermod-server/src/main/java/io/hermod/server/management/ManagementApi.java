package io.hermod.server.management;

import io.hermod.amqp.server.AmqpServer;
import io.hermod.broker.Broker;
import io.hermod.broker.BrokerException;
import io.hermod.server.metrics.HermodMetrics;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The management HTTP API, RabbitMQ's paths and field names (https://www.rabbitmq.com/docs/management#http-api): the
 * route table every resource registers in, and the one place a request is authenticated, authorised, dispatched and
 * its failure turned into RabbitMQ's {@code {"error", "reason"}} body. Independent of Netty, so that the listener
 * ({@link ManagementServer}) stays a thin transport.
 *
 * <p>Threading: thread-safe; {@link #handle} runs on the listener's worker threads.
 */
public final class ManagementApi implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ManagementApi.class);

    private final RouteTable routes = new RouteTable();
    private final BasicAuth auth;
    private final HermodMetrics metrics;

    private ManagementApi(ManagementContext context, MetricsOptions metricsOptions) {
        this.auth = new BasicAuth(context.broker());
        this.metrics = new HermodMetrics(context.broker(), context.amqp(), metricsOptions.perQueue());
        new OverviewResource(context).register(routes);
        new VhostResource(context).register(routes);
        new UserResource(context).register(routes);
        new PermissionResource(context).register(routes);
        new QueueResource(context).register(routes);
        new ExchangeResource(context).register(routes);
        new BindingResource(context).register(routes);
        new MessageResource(context).register(routes);
        new ConnectionResource(context).register(routes);
        new PolicyResource(context, false).register(routes);
        new PolicyResource(context, true).register(routes);
        new DefinitionsResource(context).register(routes);
        new HealthResource(context).register(routes);
        new NodeResource(context).register(routes);
        new MetricsResource(metrics, metricsOptions).register(routes);
        new ConsoleResource().register(routes);
    }

    /**
     * The API over a broker and its AMQP server.
     *
     * @param listeners the server's listeners, asked at each request (the HTTP port is known only once bound)
     */
    public static ManagementApi create(Broker broker, AmqpServer amqp, Supplier<List<Listener>> listeners) {
        return create(broker, amqp, listeners, MetricsOptions.DEFAULT);
    }

    /** As {@link #create(Broker, AmqpServer, Supplier)}, with {@code /metrics} served as {@code metrics} says. */
    public static ManagementApi create(
            Broker broker, AmqpServer amqp, Supplier<List<Listener>> listeners, MetricsOptions metrics) {
        return new ManagementApi(new ManagementContext(broker, amqp, listeners), metrics);
    }

    /** Lets go of what the metrics hold in the JVM (GC notification listeners). */
    @Override
    public void close() {
        metrics.close();
    }

    /**
     * Answers one request; never throws.
     *
     * @param uri the request target, path and query, as sent
     * @param header a request header by name, or null
     * @param loopback whether the client connects from a loopback address (for {@code loopback_users})
     */
    ApiResponse handle(String method, String uri, Function<String, String> header, byte[] body, boolean loopback) {
        try {
            QueryStringDecoder query = new QueryStringDecoder(uri);
            RouteTable.Match match = routes.find(method, query.rawPath());
            ApiUser user = null;
            Access access = match.route().access();
            if (access != Access.PUBLIC) {
                user = auth.authenticate(header.apply("Authorization"), loopback)
                        .orElseThrow(() -> new ApiException(401, "not_authorised", "Login failed"));
                if (!access.allows(user)) {
                    throw ApiException.forbidden(
                            !user.management()
                                    ? "Not management user"
                                    : access == Access.POLICYMAKER ? "Not policymaker user" : "Not administrator user");
                }
            }
            ApiRequest request =
                    new ApiRequest(method, query.rawPath(), match.params(), query.parameters(), body, user, header);
            return match.route().handler().handle(request);
        } catch (ApiException e) {
            if (e.status() == 401 && "XMLHttpRequest".equalsIgnoreCase(header.apply("X-Requested-With"))) {
                // the console's own login form asks: no challenge, or the browser would pop up its login dialog
                return new ApiResponse(401, error(e).body(), ApiResponse.JSON, Map.of());
            }
            return error(e);
        } catch (BrokerException e) {
            return error(ApiException.of(e));
        } catch (IllegalArgumentException e) { // a value the broker's types refuse, bad percent-encoding
            return error(ApiException.badRequest(e.getMessage()));
        } catch (RuntimeException e) {
            LOG.warn("{} {} failed", method, uri, e);
            return error(new ApiException(500, "internal_server_error", String.valueOf(e.getMessage())));
        }
    }

    /** RabbitMQ's error body; a 401 also carries the basic-auth challenge. */
    static ApiResponse error(ApiException e) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("error", e.error());
        body.put("reason", e.reason());
        Map<String, String> headers = e.status() == 401 ? Map.of("WWW-Authenticate", BasicAuth.CHALLENGE) : Map.of();
        return new ApiResponse(e.status(), body, ApiResponse.JSON, headers);
    }
}
