package io.hermod.server.management;

import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.broker.BrokerConfig;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The overview, vhosts, users, permissions, health checks, and how the API answers what it cannot take. */
@Timeout(60)
class ManagementApiTest {

    @RegisterExtension
    final ManagementFixture server = new ManagementFixture();

    @Test
    void the_overview_names_the_product_listeners_and_totals() {
        ManagementFixture.Reply reply = server.get("/api/overview");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().get("product_name").asText()).isEqualTo("Hermod");
        assertThat(reply.json().get("rabbitmq_version").asText()).isNotEmpty();
        assertThat(reply.json().get("object_totals").get("exchanges").asInt()).isEqualTo(6);
        assertThat(reply.json().get("queue_totals").get("messages").asLong()).isZero();
        assertThat(reply.json().get("listeners").findValuesAsText("protocol")).containsExactly("amqp", "http");
        assertThat(reply.json().get("listeners").findValues("port").stream().map(p -> p.asInt()))
                .containsExactly(server.amqp.port(), server.http.port());
    }

    @Test
    void vhosts_are_created_shown_and_deleted_by_administrators() {
        assertThat(server.put("/api/vhosts/orders", "{}").status()).isEqualTo(201);
        assertThat(server.put("/api/vhosts/orders", "").status()).isEqualTo(204);
        assertThat(server.broker.vhostNames()).contains("orders");
        assertThat(server.get("/api/vhosts/orders").json().get("messages").asLong())
                .isZero();
        assertThat(server.get("/api/vhosts/%2F").json().get("name").asText()).isEqualTo("/");

        assertThat(server.delete("/api/vhosts/orders").status()).isEqualTo(204);

        assertThat(server.broker.vhostNames()).doesNotContain("orders");
        assertThat(server.get("/api/vhosts/orders").status()).isEqualTo(404);
        assertThat(server.delete("/api/vhosts/orders").status()).isEqualTo(404);
    }

    @Test
    void a_user_put_with_a_password_can_log_in_and_is_listed_with_rabbitmq_fields() {
        assertThat(server.put("/api/users/alice", "{\"password\":\"secret\",\"tags\":\"monitoring,management\"}")
                        .status())
                .isEqualTo(201);

        assertThat(server.broker.authenticate("alice", "secret", false)).contains("alice");
        ManagementFixture.Reply alice = server.get("/api/users/alice");
        assertThat(alice.json().get("hashing_algorithm").asText()).isEqualTo("rabbit_password_hashing_sha256");
        assertThat(alice.json().get("password_hash").asText()).isNotEmpty();
        assertThat(alice.json().get("tags").toString()).isEqualTo("[\"management\",\"monitoring\"]");
        assertThat(server.get("/api/overview", "alice", "secret").status()).isEqualTo(200);

        assertThat(server.delete("/api/users/alice").status()).isEqualTo(204);
        assertThat(server.broker.authenticate("alice", "secret", false)).isEmpty();
        assertThat(server.get("/api/users/alice").status()).isEqualTo(404);
    }

    @Test
    void a_user_without_password_or_hash_is_a_400() {
        ManagementFixture.Reply reply = server.put("/api/users/bob", "{\"tags\":\"\"}");

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.json().get("error").asText()).isEqualTo("bad_request");
        assertThat(server.get("/api/users/bob").status()).isEqualTo(404);
    }

    @Test
    void permissions_are_set_shown_and_cleared() {
        server.put("/api/users/carol", "{\"password\":\"pw\",\"tags\":[]}");

        assertThat(server.put("/api/permissions/%2F/carol", "{\"configure\":\"^c\",\"write\":\".*\",\"read\":\"\"}")
                        .status())
                .isEqualTo(201);

        ManagementFixture.Reply p = server.get("/api/permissions/%2F/carol");
        assertThat(p.json().get("configure").asText()).isEqualTo("^c");
        assertThat(p.json().get("vhost").asText()).isEqualTo("/");
        assertThat(server.get("/api/users/carol/permissions").json().size()).isEqualTo(1);
        assertThat(server.get("/api/vhosts/%2F/permissions").json().findValuesAsText("user"))
                .contains("guest", "carol");

        assertThat(server.delete("/api/permissions/%2F/carol").status()).isEqualTo(204);
        assertThat(server.get("/api/permissions/%2F/carol").status()).isEqualTo(404);
        assertThat(server.put("/api/permissions/%2F/carol", "{\"configure\":\"(\",\"write\":\"\",\"read\":\"\"}")
                        .status())
                .isEqualTo(400);
        assertThat(server.put("/api/permissions/%2F/carol", "{\"configure\":\".*\"}")
                        .status())
                .isEqualTo(400);
    }

    @Test
    void errors_come_as_rabbitmq_error_bodies_with_404_405_and_400() {
        ManagementFixture.Reply unknown = server.get("/api/nothing-here");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().has("error")).isTrue();
        assertThat(unknown.json().has("reason")).isTrue();

        ManagementFixture.Reply wrongMethod = server.post("/api/overview", "{}");
        assertThat(wrongMethod.status()).isEqualTo(405);

        ManagementFixture.Reply malformed = server.put("/api/queues/%2F/q", "{\"durable\": tru");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.json().get("error").asText()).isEqualTo("bad_request");

        assertThat(server.put("/api/queues/%2F/q", "[1,2]").status()).isEqualTo(400);
        assertThat(server.put("/api/queues/%2F/q", "{\"durable\":\"maybe\"}").status())
                .isEqualTo(400);
        assertThat(server.broker.vhost("/").orElseThrow().queueNames()).doesNotContain("q");
        assertThat(server.get("/api/queues/no-such-vhost").status()).isEqualTo(404);
    }

    @Test
    void deeply_nested_or_garbage_input_never_takes_the_listener_down() throws Exception {
        String deep = "{\"arguments\":" + "{\"a\":".repeat(5000) + "1" + "}".repeat(5001);
        assertThat(server.put("/api/queues/%2F/deep", deep).status()).isEqualTo(400);
        assertThat(rawRequest("GET /api/queues/%ZZ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
                .startsWith("HTTP/1.1 400");
        assertThat(rawRequest("GET /api/overview HTTP/1.1\r\nHost: x\r\nAuthorization: Basic !!!\r\n"
                        + "Connection: close\r\n\r\n"))
                .startsWith("HTTP/1.1 401");

        try (Socket socket = new Socket("127.0.0.1", server.http.port())) {
            OutputStream out = socket.getOutputStream();
            out.write("\u0000\u0001 garbage that is not HTTP\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            socket.setSoTimeout(5000);
            socket.getInputStream().read(new byte[256]); // an answer or a close, never a hang
        }

        assertThat(server.get("/api/overview").status()).isEqualTo(200);
    }

    @Test
    void pipelined_requests_are_answered_in_order() throws Exception {
        String auth = "Authorization: Basic Z3Vlc3Q6Z3Vlc3Q=\r\n";
        String slow = "PUT /api/queues/%2F/first HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Length: 2\r\n\r\n{}";
        String fast = "GET /api/nothing HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n";
        String last = "GET /api/whoami HTTP/1.1\r\nHost: x\r\n" + auth + "Connection: close\r\n\r\n";

        String answers = rawRequest(slow + fast + last);

        int created = answers.indexOf("HTTP/1.1 201");
        int notFound = answers.indexOf("HTTP/1.1 404");
        int ok = answers.indexOf("HTTP/1.1 200");
        assertThat(created).isNotNegative();
        assertThat(notFound).isGreaterThan(created);
        assertThat(ok).isGreaterThan(notFound);
    }

    private String rawRequest(String request) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.http.port())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void health_checks_answer_ok_or_503_as_rabbitmq() {
        assertThat(server.get("/api/health/checks/alarms").json().get("status").asText())
                .isEqualTo("ok");
        assertThat(server.get("/api/health/checks/local-alarms").status()).isEqualTo(200);
        assertThat(server.get("/api/health/checks/virtual-hosts").status()).isEqualTo(200);

        ManagementFixture.Reply listening = server.get("/api/health/checks/port-listener/" + server.amqp.port());
        assertThat(listening.status()).isEqualTo(200);
        assertThat(listening.json().get("port").asInt()).isEqualTo(server.amqp.port());

        ManagementFixture.Reply missing = server.get("/api/health/checks/port-listener/1");
        assertThat(missing.status()).isEqualTo(503);
        assertThat(missing.json().get("status").asText()).isEqualTo("failed");
        assertThat(missing.json().get("reason").asText()).isEqualTo("No active listener");

        assertThat(server.get("/api/health/checks/port-listener/http").status()).isEqualTo(400);
        assertThat(server.get("/api/aliveness-test/%2F").json().get("status").asText())
                .isEqualTo("ok");
        assertThat(server.get("/api/aliveness-test/nowhere").status()).isEqualTo(404);
    }

    @Test
    void the_alarm_checks_and_publishing_fail_with_503_while_a_resource_alarm_is_on(@TempDir Path other) {
        // a disk limit no disk meets: the disk alarm goes on at the broker's first check
        try (ManagementFixture alarmed =
                new ManagementFixture(BrokerConfig.of(other).withAlarms(0, Long.MAX_VALUE))) {
            Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                ManagementFixture.Reply reply = alarmed.get("/api/health/checks/alarms");
                assertThat(reply.status()).isEqualTo(503);
                assertThat(reply.json().get("status").asText()).isEqualTo("failed");
                assertThat(reply.json().get("alarms").findValuesAsText("resource"))
                        .containsExactly("disk");
            });
            assertThat(alarmed.get("/api/health/checks/local-alarms").status()).isEqualTo(503);
            ManagementFixture.Reply publish =
                    alarmed.post("/api/exchanges/%2F/amq.default/publish", "{\"routing_key\":\"q\",\"payload\":\"x\"}");
            assertThat(publish.status()).isEqualTo(503);
            assertThat(publish.json().get("reason").asText()).contains("resource alarm");
        }
    }
}
