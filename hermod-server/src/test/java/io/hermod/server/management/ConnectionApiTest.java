package io.hermod.server.management;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ShutdownSignalException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Connections, channels and consumers of real RabbitMQ Java client connections, and closing one. */
@Timeout(60)
class ConnectionApiTest {

    @RegisterExtension
    final ManagementFixture server = new ManagementFixture();

    private static String path(String name) {
        return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Test
    void connections_channels_and_consumers_are_listed_with_rabbitmq_fields() throws Exception {
        Connection connection = server.connect("my-app");
        Channel channel = connection.createChannel();
        channel.basicQos(7);
        channel.queueDeclare("work", false, false, false, null);
        channel.basicConsume("work", false, "tag-1", (t, d) -> {}, t -> {});
        connection.createChannel().confirmSelect();

        JsonNode connections = server.get("/api/connections").json();
        assertThat(connections.size()).isEqualTo(1);
        JsonNode c = connections.get(0);
        String name = c.get("name").asText();
        assertThat(name).matches("127\\.0\\.0\\.1:\\d+ -> 127\\.0\\.0\\.1:" + server.amqp.port());
        assertThat(c.get("user").asText()).isEqualTo("guest");
        assertThat(c.get("vhost").asText()).isEqualTo("/");
        assertThat(c.get("channels").asInt()).isEqualTo(2);
        assertThat(c.get("state").asText()).isEqualTo("running");
        assertThat(c.get("client_properties").get("connection_name").asText()).isEqualTo("my-app");
        assertThat(c.get("client_properties").get("product").asText()).isEqualTo("RabbitMQ");
        assertThat(server.get("/api/connections/" + path(name))
                        .json()
                        .get("peer_port")
                        .asInt())
                .isEqualTo(Integer.parseInt(name.substring(name.indexOf(':') + 1, name.indexOf(' '))));
        assertThat(server.get("/api/vhosts/%2F/connections").json().size()).isEqualTo(1);

        JsonNode channels = server.get("/api/channels").json();
        assertThat(List.of(
                        channels.get(0).get("name").asText(),
                        channels.get(1).get("name").asText()))
                .containsExactly(name + " (1)", name + " (2)");
        assertThat(channels.size()).isEqualTo(2);
        JsonNode first = channels.get(0);
        assertThat(first.get("consumer_count").asInt()).isEqualTo(1);
        assertThat(first.get("prefetch_count").asInt()).isEqualTo(7);
        assertThat(channels.get(1).get("confirm").asBoolean()).isTrue();
        assertThat(server.get("/api/connections/" + path(name) + "/channels")
                        .json()
                        .size())
                .isEqualTo(2);
        assertThat(server.get("/api/channels/" + path(name + " (1)"))
                        .json()
                        .get("number")
                        .asInt())
                .isEqualTo(1);

        JsonNode consumers = server.get("/api/consumers/%2F").json();
        assertThat(consumers.size()).isEqualTo(1);
        assertThat(consumers.get(0).get("consumer_tag").asText()).isEqualTo("tag-1");
        assertThat(consumers.get(0).get("queue").get("name").asText()).isEqualTo("work");
        assertThat(consumers.get(0).get("ack_required").asBoolean()).isTrue();
        assertThat(consumers
                        .get(0)
                        .get("channel_details")
                        .get("connection_name")
                        .asText())
                .isEqualTo(name);
        assertThat(server.get("/api/overview")
                        .json()
                        .get("object_totals")
                        .get("connections")
                        .asInt())
                .isEqualTo(1);
    }

    @Test
    void delete_closes_the_connection_with_connection_forced_and_the_reason() throws Exception {
        Connection connection = server.connect("doomed");
        CompletableFuture<ShutdownSignalException> closed = new CompletableFuture<>();
        connection.addShutdownListener(closed::complete);
        String name = server.get("/api/connections").json().get(0).get("name").asText();

        ManagementFixture.Reply reply = server.send("DELETE", "/api/connections/" + path(name), null, "guest", "guest");

        assertThat(reply.status()).isEqualTo(204);
        ShutdownSignalException signal = closed.get(10, TimeUnit.SECONDS);
        assertThat(signal.isInitiatedByApplication()).isFalse();
        assertThat(signal.getMessage()).contains("CONNECTION_FORCED").contains("Closed via management plugin");
        Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .untilAsserted(() ->
                        assertThat(server.get("/api/connections").json().size()).isZero());
        assertThat(server.delete("/api/connections/" + path(name)).status()).isEqualTo(404);
    }

    @Test
    void a_management_user_sees_and_closes_only_its_own_connections() throws Exception {
        server.broker.addUser("app", "pw", List.of("management"));
        server.broker.setPermissions("/", "app", ".*", ".*", ".*");
        server.connect("guest-connection");
        String guestConnection =
                server.get("/api/connections").json().get(0).get("name").asText();

        assertThat(server.get("/api/connections", "app", "pw").json().size()).isZero();
        assertThat(server.send("DELETE", "/api/connections/" + path(guestConnection), null, "app", "pw")
                        .status())
                .isEqualTo(404);
        assertThat(server.get("/api/connections").json().size()).isEqualTo(1);
    }
}
