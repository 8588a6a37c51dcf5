package io.hermod.server.management;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.hermod.amqp.server.AmqpServer;
import io.hermod.amqp.server.AmqpServerConfig;
import io.hermod.broker.Broker;
import io.hermod.broker.BrokerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A broker, its AMQP server and the management HTTP listener on 127.0.0.1 ephemeral ports, with an HTTP client and
 * RabbitMQ Java client connections for tests. Either a JUnit extension ({@code @RegisterExtension}, with the no-arg
 * constructor: a fresh server in a temporary directory for each test), or started on a given directory and closed by
 * the test.
 */
final class ManagementFixture implements AutoCloseable, BeforeEachCallback, AfterEachCallback {

    Broker broker;
    AmqpServer amqp;
    ManagementServer http;
    private ManagementApi api;
    private Path temporary;
    private final HttpClient client =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<Connection> connections = new ArrayList<>();

    /** A response: status, headers and the body as JSON (a missing node when there is none). */
    record Reply(int status, JsonNode json, HttpResponse<String> raw) {}

    /** For {@code @RegisterExtension}: started before each test. */
    ManagementFixture() {}

    ManagementFixture(Path dataDirectory) {
        this(BrokerConfig.of(dataDirectory));
    }

    ManagementFixture(BrokerConfig config) {
        start(config);
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        temporary = Files.createTempDirectory("hermod-management-");
        start(BrokerConfig.of(temporary));
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        close();
        try (Stream<Path> files = Files.walk(temporary)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private void start(BrokerConfig config) {
        broker = Broker.open(config);
        amqp = AmqpServer.start(broker, AmqpServerConfig.of("127.0.0.1", 0));
        ManagementServer[] bound = new ManagementServer[1];
        api = ManagementApi.create(broker, amqp, () -> {
            List<Listener> listeners = new ArrayList<>();
            listeners.add(new Listener("amqp", "127.0.0.1", amqp.port()));
            if (bound[0] != null) {
                listeners.add(new Listener("http", "127.0.0.1", bound[0].port()));
            }
            return listeners;
        });
        http = ManagementServer.start("127.0.0.1", 0, api);
        bound[0] = http;
    }

    String base() {
        return "http://127.0.0.1:" + http.port();
    }

    Reply get(String path) {
        return send("GET", path, null, "guest", "guest");
    }

    Reply get(String path, String user, String password) {
        return send("GET", path, null, user, password);
    }

    Reply put(String path, String body) {
        return send("PUT", path, body, "guest", "guest");
    }

    Reply post(String path, String body) {
        return send("POST", path, body, "guest", "guest");
    }

    Reply delete(String path) {
        return send("DELETE", path, null, "guest", "guest");
    }

    /** Sends a request; {@code user} null sends no credentials. */
    Reply send(String method, String path, String body, String user, String password) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + path))
                .timeout(Duration.ofSeconds(20))
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (user != null) {
            request.header(
                    "Authorization",
                    "Basic "
                            + Base64.getEncoder()
                                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        try {
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json =
                    response.body().isEmpty() ? MissingNode.getInstance() : Json.MAPPER.readTree(response.body());
            return new Reply(response.statusCode(), json, response);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A RabbitMQ Java client connection to the AMQP server as guest, closed with the fixture. */
    Connection connect(String name) throws IOException, TimeoutException {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("127.0.0.1");
        factory.setPort(amqp.port());
        factory.setAutomaticRecoveryEnabled(false);
        Connection c = factory.newConnection(name);
        connections.add(c);
        return c;
    }

    @Override
    public void close() {
        for (Connection c : connections) {
            try {
                if (c.isOpen()) {
                    c.close();
                }
            } catch (IOException | RuntimeException e) {
                // already closed by the test
            }
        }
        http.close();
        api.close();
        amqp.close();
        broker.close();
    }
}
