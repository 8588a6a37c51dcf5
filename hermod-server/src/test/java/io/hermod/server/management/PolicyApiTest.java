package io.hermod.server.management;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.rabbitmq.client.Channel;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code /api/policies} and {@code /api/operator-policies}: set over HTTP, seen over AMQP with the RabbitMQ Java
 * client; RabbitMQ's shapes, refusals and who may.
 */
@Timeout(60)
class PolicyApiTest {

    @RegisterExtension
    final ManagementFixture server = new ManagementFixture();

    private static final String CAP_JOBS =
            "{\"pattern\":\"^jobs\\\\.\",\"definition\":{\"max-length\":2},\"priority\":1,\"apply-to\":\"queues\"}";

    /** Publishes {@code n} messages to a queue through the default exchange and waits for their confirms. */
    private static void fill(Channel ch, String queue, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            ch.basicPublish("", queue, null, (queue + i).getBytes());
        }
        ch.waitForConfirmsOrDie(10_000);
    }

    private Channel channel() throws Exception {
        Channel ch = server.connect("policies").createChannel();
        ch.confirmSelect();
        return ch;
    }

    @Test
    void a_policy_put_over_http_caps_a_matching_queue_over_amqp_and_not_others() throws Exception {
        Channel ch = channel();
        ch.queueDeclare("jobs.a", true, false, false, null);
        ch.queueDeclare("other", true, false, false, null);

        assertThat(server.put("/api/policies/%2F/cap", CAP_JOBS).status()).isEqualTo(201);
        fill(ch, "jobs.a", 5);
        fill(ch, "other", 5);

        assertThat(ch.queueDeclarePassive("jobs.a").getMessageCount()).isEqualTo(2);
        assertThat(ch.queueDeclarePassive("other").getMessageCount()).isEqualTo(5);
        assertThat(new String(ch.basicGet("jobs.a", true).getBody())).isEqualTo("jobs.a3"); // the oldest went
    }

    @Test
    void a_policy_reads_back_in_rabbitmqs_shape_in_every_list() {
        server.put("/api/policies/%2F/cap", CAP_JOBS);
        server.put("/api/policies/%2F/plain", "{\"pattern\":\"x\",\"definition\":{\"message-ttl\":1000}}");

        JsonNode cap = server.get("/api/policies/%2F/cap").json();
        assertThat(cap.get("vhost").asText()).isEqualTo("/");
        assertThat(cap.get("name").asText()).isEqualTo("cap");
        assertThat(cap.get("pattern").asText()).isEqualTo("^jobs\\.");
        assertThat(cap.get("apply-to").asText()).isEqualTo("queues");
        assertThat(cap.get("definition").get("max-length").asInt()).isEqualTo(2);
        assertThat(cap.get("priority").asInt()).isEqualTo(1);
        JsonNode plain = server.get("/api/policies/%2F/plain").json();
        assertThat(plain.get("apply-to").asText()).isEqualTo("all"); // RabbitMQ's defaults
        assertThat(plain.get("priority").asInt()).isZero();

        assertThat(server.get("/api/policies").json().findValuesAsText("name")).containsExactly("cap", "plain");
        assertThat(server.get("/api/policies/%2F").json().size()).isEqualTo(2);
        assertThat(server.get("/api/operator-policies").json().size()).isZero();
        assertThat(server.put("/api/policies/%2F/cap", CAP_JOBS).status()).isEqualTo(204); // updated, not created
        assertThat(server.get("/api/policies/%2F/nope").status()).isEqualTo(404);
        assertThat(server.get("/api/policies/nowhere").status()).isEqualTo(404);
    }

    @Test
    void a_queue_shows_the_policy_and_operator_policy_applying_to_it_and_their_effective_definition() {
        server.put("/api/queues/%2F/jobs.a", "{}");
        server.put("/api/queues/%2F/other", "{}");
        server.put("/api/policies/%2F/cap", CAP_JOBS);
        server.put("/api/policies/%2F/low", "{\"pattern\":\".*\",\"definition\":{\"message-ttl\":5000}}");
        server.put("/api/operator-policies/%2F/ops", "{\"pattern\":\".*\",\"definition\":{\"max-length\":1}}");

        JsonNode jobs = server.get("/api/queues/%2F/jobs.a").json();
        JsonNode other = server.get("/api/queues/%2F").json().get(1);

        assertThat(jobs.get("policy").asText()).isEqualTo("cap"); // the higher priority
        assertThat(jobs.get("operator_policy").asText()).isEqualTo("ops");
        assertThat(jobs.get("effective_policy_definition").get("max-length").asInt())
                .isEqualTo(1);
        assertThat(other.get("name").asText()).isEqualTo("other");
        assertThat(other.get("policy").asText()).isEqualTo("low");
        assertThat(other.get("effective_policy_definition").get("message-ttl").asInt())
                .isEqualTo(5000);
        assertThat(jobs.get("arguments").size()).isZero(); // its own, unchanged
    }

    @Test
    void deleting_a_policy_gives_the_queue_its_own_limits_back() throws Exception {
        Channel ch = channel();
        ch.queueDeclare("jobs.a", true, false, false, Map.of("x-max-length", 4));
        server.put("/api/policies/%2F/cap", CAP_JOBS);
        fill(ch, "jobs.a", 3);
        assertThat(ch.queueDeclarePassive("jobs.a").getMessageCount()).isEqualTo(2);

        assertThat(server.delete("/api/policies/%2F/cap").status()).isEqualTo(204);
        fill(ch, "jobs.a", 3);

        assertThat(ch.queueDeclarePassive("jobs.a").getMessageCount()).isEqualTo(4);
        assertThat(server.get("/api/policies/%2F/cap").status()).isEqualTo(404);
        assertThat(server.delete("/api/policies/%2F/cap").status()).isEqualTo(404);
    }

    @Test
    void an_invalid_policy_is_a_400_bad_request_and_sets_nothing() {
        for (String body : new String[] {
            "{\"pattern\":\"(\",\"definition\":{\"max-length\":1}}",
            "{\"pattern\":\".*\",\"definition\":{\"ha-mode\":\"all\"}}",
            "{\"pattern\":\".*\",\"definition\":{\"max-length\":\"many\"}}",
            "{\"pattern\":\".*\",\"definition\":{}}",
            "{\"pattern\":\".*\"}",
            "{\"pattern\":\".*\",\"definition\":{\"max-length\":1},\"apply-to\":\"everything\"}",
            "{\"pattern\":\".*\",\"definition\":{\"max-length\":1},\"priority\":\"high\"}"
        }) {
            ManagementFixture.Reply reply = server.put("/api/policies/%2F/bad", body);

            assertThat(reply.status()).as(body).isEqualTo(400);
            assertThat(reply.json().get("error").asText()).isEqualTo("bad_request");
            assertThat(reply.json().get("reason").asText()).isNotEmpty();
        }
        assertThat(server.put("/api/policies/%2F/bad", "{\"pattern\":\".*\",\"definition\":{\"ha-mode\":\"all\"}}")
                        .json()
                        .get("reason")
                        .asText())
                .contains("ha-mode");
        assertThat(server.get("/api/policies").json().size()).isZero();
        assertThat(server.put("/api/policies/nowhere/p", CAP_JOBS).status()).isEqualTo(404);
    }

    @Test
    void an_operator_policy_caps_a_queues_own_limit_and_sets_only_limits() throws Exception {
        Channel ch = channel();
        ch.queueDeclare("jobs.a", true, false, false, Map.of("x-max-length", 10));

        ManagementFixture.Reply put = server.put(
                "/api/operator-policies/%2F/ops-cap",
                "{\"pattern\":\".*\",\"definition\":{\"max-length\":3},\"apply-to\":\"queues\"}");
        fill(ch, "jobs.a", 6);

        assertThat(put.status()).isEqualTo(201);
        assertThat(ch.queueDeclarePassive("jobs.a").getMessageCount()).isEqualTo(3);
        JsonNode listed = server.get("/api/operator-policies/%2F").json();
        assertThat(listed.findValuesAsText("name")).containsExactly("ops-cap");
        assertThat(listed.get(0).get("definition").get("max-length").asInt()).isEqualTo(3);
        assertThat(server.get("/api/policies").json().size()).isZero(); // a separate set
        assertThat(server.put(
                                "/api/operator-policies/%2F/dlx",
                                "{\"pattern\":\".*\",\"definition\":{\"dead-letter-exchange\":\"x\"}}")
                        .status())
                .isEqualTo(400);

        assertThat(server.delete("/api/operator-policies/%2F/ops-cap").status()).isEqualTo(204);
        fill(ch, "jobs.a", 6);
        assertThat(ch.queueDeclarePassive("jobs.a").getMessageCount()).isEqualTo(9);
    }

    @Test
    void policies_are_for_policymakers_in_their_vhosts_and_operator_policies_for_administrators() {
        server.put("/api/vhosts/other", "{}");
        for (String[] u : new String[][] {
            {"pm", "policymaker"}, {"stranger", "policymaker"}, {"mon", "monitoring"}, {"mgmt", "management"}
        }) {
            server.put("/api/users/" + u[0], "{\"password\":\"pw\",\"tags\":[\"" + u[1] + "\"]}");
        }
        for (String user : new String[] {"pm", "mon", "mgmt"}) {
            server.put("/api/permissions/%2F/" + user, "{\"configure\":\".*\",\"write\":\".*\",\"read\":\".*\"}");
        }
        server.put("/api/permissions/other/stranger", "{\"configure\":\".*\",\"write\":\".*\",\"read\":\".*\"}");
        server.put("/api/policies/other/theirs", CAP_JOBS);

        assertThat(server.send("GET", "/api/policies", null, null, null).status())
                .isEqualTo(401);
        for (String user : new String[] {"mon", "mgmt"}) { // RabbitMQ shows policies to policymakers only
            assertThat(server.get("/api/policies", user, "pw").status())
                    .as(user)
                    .isEqualTo(403);
            assertThat(server.send("PUT", "/api/policies/%2F/p", CAP_JOBS, user, "pw")
                            .status())
                    .as(user)
                    .isEqualTo(403);
        }

        assertThat(server.send("PUT", "/api/policies/%2F/mine", CAP_JOBS, "pm", "pw")
                        .status())
                .isEqualTo(201);
        assertThat(server.get("/api/policies", "pm", "pw").json().findValuesAsText("name"))
                .containsExactly("mine"); // not the other vhost's
        assertThat(server.get("/api/policies/other", "pm", "pw").status()).isEqualTo(403);
        assertThat(server.send("PUT", "/api/policies/other/p", CAP_JOBS, "pm", "pw")
                        .status())
                .isEqualTo(403);
        assertThat(server.send("DELETE", "/api/policies/other/theirs", null, "pm", "pw")
                        .status())
                .isEqualTo(403);
        assertThat(server.get("/api/operator-policies", "pm", "pw").status()).isEqualTo(403);
        assertThat(server.send("PUT", "/api/operator-policies/%2F/p", CAP_JOBS, "pm", "pw")
                        .status())
                .isEqualTo(403);
        assertThat(server.send("DELETE", "/api/policies/%2F/mine", null, "pm", "pw")
                        .status())
                .isEqualTo(204);

        // the administrator sees and sets everywhere
        assertThat(server.get("/api/policies").json().findValuesAsText("name")).containsExactly("theirs");
        assertThat(server.put("/api/operator-policies/other/cap", CAP_JOBS).status())
                .isEqualTo(201);
    }
}
