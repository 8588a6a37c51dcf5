package io.hermod.server.management;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.rabbitmq.client.Channel;
import io.hermod.broker.VirtualHost;
import io.hermod.broker.definitions.BindingDefinition.DestinationKind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Definitions export and import: a round trip into a fresh broker, a RabbitMQ export, and refusals. */
@Timeout(60)
class DefinitionsApiTest {

    @TempDir
    Path dir;

    @RegisterExtension
    final ManagementFixture server = new ManagementFixture();

    static String fixture(String name) throws IOException {
        try (InputStream in = DefinitionsApiTest.class.getResourceAsStream("/definitions/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void an_export_imported_into_a_fresh_broker_gives_the_same_definitions() throws Exception {
        server.put("/api/vhosts/shop", "{}");
        server.put("/api/users/alice", "{\"password\":\"pw\",\"tags\":[\"management\"]}");
        server.put("/api/permissions/shop/alice", "{\"configure\":\".*\",\"write\":\".*\",\"read\":\".*\"}");
        server.put("/api/permissions/shop/guest", "{\"configure\":\".*\",\"write\":\".*\",\"read\":\".*\"}");
        server.put("/api/exchanges/shop/events", "{\"type\":\"topic\"}");
        server.put("/api/queues/shop/audit", "{\"arguments\":{\"x-max-length\":10}}");
        server.put("/api/queues/shop/scratch", "{\"durable\":false}");
        server.post("/api/bindings/shop/e/events/q/audit", "{\"routing_key\":\"#\"}");
        Channel amqp = server.connect("owner").createChannel();
        amqp.queueDeclare("mine", false, true, false, null); // exclusive: not exported

        ManagementFixture.Reply export = server.get("/api/definitions");
        assertThat(export.status()).isEqualTo(200);
        JsonNode doc = export.json();
        assertThat(doc.get("queues").findValuesAsText("name")).containsExactly("audit");
        assertThat(doc.get("exchanges").findValuesAsText("name")).containsExactly("events");
        assertThat(doc.get("users").findValuesAsText("name")).containsExactlyInAnyOrder("guest", "alice");

        try (ManagementFixture fresh = new ManagementFixture(dir.resolve("b"))) {
            ManagementFixture.Reply imported =
                    fresh.post("/api/definitions", export.raw().body());

            assertThat(imported.status()).isEqualTo(200);
            assertThat(imported.json().get("skipped").size()).isZero();
            assertThat(fresh.broker.authenticate("alice", "pw", false)).contains("alice");
            VirtualHost shop = fresh.broker.vhost("shop").orElseThrow();
            assertThat(shop.queueNames()).containsExactly("audit");
            assertThat(shop.queueStatus("audit").orElseThrow().definition().arguments())
                    .containsEntry("x-max-length", 10L);
            assertThat(shop.exchangeDefinition("events").orElseThrow().type()).isEqualTo("topic");
            assertThat(shop.bindings()).singleElement().satisfies(b -> {
                assertThat(b.source()).isEqualTo("events");
                assertThat(b.destination()).isEqualTo("audit");
                assertThat(b.routingKey()).isEqualTo("#");
            });
            JsonNode again = fresh.get("/api/definitions").json();
            for (String section : List.of("users", "vhosts", "permissions", "queues", "exchanges", "bindings")) {
                assertThat(again.get(section).size())
                        .as(section)
                        .isEqualTo(doc.get(section).size());
            }
            assertThat(again.get("permissions")).isEqualTo(doc.get("permissions"));
            assertThat(again.get("bindings")).isEqualTo(doc.get("bindings"));
        }
    }

    @Test
    void a_rabbitmq_export_imports_with_its_password_hashes_and_says_what_it_skipped() throws Exception {
        ManagementFixture.Reply reply = server.post("/api/definitions", fixture("rabbitmq-3.13-export.json"));

        assertThat(reply.status()).isEqualTo(200);
        JsonNode skipped = reply.json().get("skipped");
        assertThat(skipped.has("policies")).isFalse(); // its policy's one key is one Hermod applies
        assertThat(reply.json().get("imported").get("policies").asInt()).isEqualTo(1);
        assertThat(skipped.get("parameters").asInt()).isEqualTo(1);
        assertThat(skipped.get("global_parameters").asInt()).isEqualTo(1);
        assertThat(skipped.get("topic_permissions").asInt()).isEqualTo(1);
        assertThat(reply.json().get("imported").get("queues").asInt()).isEqualTo(3);

        // RabbitMQ's salted SHA-256 hashes are Hermod's: the passwords behind them log in
        assertThat(server.broker.authenticate("ops", "s3cret", false)).contains("ops");
        assertThat(server.broker.authenticate("grafana", "watch-only", false)).contains("grafana");
        assertThat(server.get("/api/users", "ops", "s3cret").status()).isEqualTo(200);
        assertThat(server.get("/api/overview", "grafana", "watch-only").status())
                .isEqualTo(200);
        assertThat(server.get("/api/users", "grafana", "watch-only").status()).isEqualTo(403);

        VirtualHost shop = server.broker.vhost("shop").orElseThrow();
        assertThat(shop.queueNames()).containsExactlyInAnyOrder("orders.created", "orders.dead");
        assertThat(shop.queueStatus("orders.created").orElseThrow().definition().arguments())
                .containsEntry("x-message-ttl", 86_400_000L);
        assertThat(shop.exchangeDefinition("orders").orElseThrow().arguments())
                .containsEntry("alternate-exchange", "unrouted");
        assertThat(shop.bindings())
                .anySatisfy(b -> {
                    assertThat(b.destinationKind()).isEqualTo(DestinationKind.EXCHANGE);
                    assertThat(b.destination()).isEqualTo("dead");
                    assertThat(b.routingKey()).isEqualTo("order.#");
                })
                .hasSize(3);
        assertThat(server.broker.vhost("/").orElseThrow().queueNames()).contains("tasks");

        // and the imported topology routes: orders -> orders.created, orders -> dead -> orders.dead
        ManagementFixture.Reply routed = server.send(
                "POST",
                "/api/exchanges/shop/orders/publish",
                "{\"routing_key\":\"order.created\",\"payload\":\"o-1\",\"payload_encoding\":\"string\"}",
                "ops",
                "s3cret");
        assertThat(routed.json().get("routed").asBoolean()).isTrue();
        JsonNode got = server.send(
                        "POST",
                        "/api/queues/shop/orders.dead/get",
                        "{\"count\":1,\"ackmode\":\"ack_requeue_false\",\"encoding\":\"auto\"}",
                        "ops",
                        "s3cret")
                .json();
        assertThat(got.get(0).get("payload").asText()).isEqualTo("o-1");

        // importing the same file again changes nothing and succeeds (every declare is equivalent)
        assertThat(server.post("/api/definitions", fixture("rabbitmq-3.13-export.json"))
                        .status())
                .isEqualTo(200);
        assertThat(shop.queueNames()).hasSize(2);
    }

    @Test
    void a_vhost_export_names_no_vhost_and_imports_into_another_vhost() {
        server.put("/api/vhosts/staging", "{}");
        server.put("/api/vhosts/production", "{}");
        server.put("/api/permissions/staging/guest", "{\"configure\":\".*\",\"write\":\".*\",\"read\":\".*\"}");
        server.put("/api/exchanges/staging/events", "{\"type\":\"fanout\"}");
        server.put("/api/queues/staging/audit", "{}");
        server.post("/api/bindings/staging/e/events/q/audit", "{\"routing_key\":\"\"}");

        ManagementFixture.Reply export = server.get("/api/definitions/staging");
        assertThat(export.status()).isEqualTo(200);
        assertThat(export.json().has("users")).isFalse();
        assertThat(export.json().get("queues").get(0).has("vhost")).isFalse();

        String withUsers = export.raw().body().replaceFirst("\\{", "{\"users\":[{\"name\":\"x\",\"password\":\"y\"}],");
        ManagementFixture.Reply imported = server.post("/api/definitions/production", withUsers);

        assertThat(imported.status()).isEqualTo(200);
        assertThat(imported.json().get("skipped").get("users").asInt()).isEqualTo(1);
        VirtualHost production = server.broker.vhost("production").orElseThrow();
        assertThat(production.queueNames()).containsExactly("audit");
        assertThat(production.exchangeDefinition("events")).isPresent();
        assertThat(production.bindings()).hasSize(1);
        assertThat(server.broker.users()).extracting(u -> u.name()).doesNotContain("x");
        assertThat(server.post("/api/definitions/nowhere", "{}").status()).isEqualTo(404);
    }

    @Test
    void malformed_json_is_a_400_and_changes_nothing() {
        ManagementFixture.Reply reply =
                server.post("/api/definitions", "{\"vhosts\":[{\"name\":\"v1\"}], \"users\": [");

        assertThat(reply.status()).isEqualTo(400);
        assertThat(server.broker.vhostNames()).containsExactly("/");
    }

    @Test
    void a_bad_entry_anywhere_is_a_400_before_anything_is_applied() {
        List<String> bad = List.of(
                // a binding to a queue nobody defines
                "{\"vhosts\":[{\"name\":\"v1\"}],\"bindings\":[{\"source\":\"amq.direct\",\"vhost\":\"v1\","
                        + "\"destination\":\"ghost\",\"destination_type\":\"queue\",\"routing_key\":\"\"}]}",
                // a hash Hermod cannot check
                "{\"vhosts\":[{\"name\":\"v1\"}],\"users\":[{\"name\":\"u\",\"password_hash\":\"abc\","
                        + "\"hashing_algorithm\":\"rabbit_password_hashing_sha512\",\"tags\":[]}]}",
                // a hash that is not 36 bytes
                "{\"vhosts\":[{\"name\":\"v1\"}],\"users\":[{\"name\":\"u\",\"password_hash\":\"AAAA\",\"tags\":[]}]}",
                // an invalid queue argument
                "{\"vhosts\":[{\"name\":\"v1\"}],\"queues\":[{\"name\":\"q\",\"vhost\":\"v1\",\"durable\":true,"
                        + "\"arguments\":{\"x-max-length\":-5}}]}",
                // a quorum queue (not a Hermod queue type)
                "{\"vhosts\":[{\"name\":\"v1\"}],\"queues\":[{\"name\":\"q\",\"vhost\":\"v1\","
                        + "\"arguments\":{\"x-queue-type\":\"quorum\"}}]}",
                // a permission in a vhost that does not exist
                "{\"vhosts\":[{\"name\":\"v1\"}],\"permissions\":[{\"user\":\"guest\",\"vhost\":\"nope\","
                        + "\"configure\":\"\",\"write\":\"\",\"read\":\"\"}]}",
                // wrong types
                "{\"vhosts\":{\"name\":\"v1\"}}",
                "{\"vhosts\":[{\"name\":\"v1\"}],\"exchanges\":[{\"name\":\"x\",\"vhost\":\"v1\",\"type\":\"direct\","
                        + "\"durable\":\"yes please\"}]}",
                "[]");
        for (String document : bad) {
            ManagementFixture.Reply reply = server.post("/api/definitions", document);

            assertThat(reply.status()).as(document).isEqualTo(400);
            assertThat(reply.json().get("error").asText()).isEqualTo("bad_request");
            assertThat(server.broker.vhostNames()).as(document).containsExactly("/");
        }
        assertThat(server.broker.users()).hasSize(1);
        assertThat(server.broker.vhost("/").orElseThrow().queueNames()).isEmpty();
    }
}
