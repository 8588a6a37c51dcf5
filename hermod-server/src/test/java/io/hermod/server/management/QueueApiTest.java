package io.hermod.server.management;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Queues, exchanges, bindings, publish and get, checked against what the RabbitMQ Java client sees over AMQP. */
@Timeout(60)
class QueueApiTest {

    @RegisterExtension
    final ManagementFixture server = new ManagementFixture();

    Channel amqp;

    @BeforeEach
    void start() throws Exception {
        amqp = server.connect("queue-test").createChannel();
        amqp.confirmSelect();
    }

    private void publish(String queue, String body) throws Exception {
        amqp.basicPublish("", queue, null, body.getBytes(StandardCharsets.UTF_8));
        amqp.waitForConfirmsOrDie(5000);
    }

    private JsonNode queue(String name) {
        ManagementFixture.Reply reply = server.get("/api/queues/%2F/" + name);
        assertThat(reply.status()).isEqualTo(200);
        return reply.json();
    }

    @Test
    void a_queue_declared_over_amqp_appears_with_its_flags_arguments_and_counts() throws Exception {
        amqp.queueDeclare("orders", true, false, false, Map.of("x-max-length", 100));
        for (int i = 0; i < 3; i++) {
            publish("orders", "m" + i);
        }
        Channel consumer = server.connect("consumer").createChannel();
        consumer.basicQos(1);
        consumer.basicConsume("orders", false, "ctag-1", (tag, d) -> {}, tag -> {});

        Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode q = queue("orders");
            assertThat(q.get("messages").asLong()).isEqualTo(3);
            assertThat(q.get("messages_ready").asLong()).isEqualTo(2);
            assertThat(q.get("messages_unacknowledged").asLong()).isEqualTo(1);
            assertThat(q.get("consumers").asInt()).isEqualTo(1);
        });
        JsonNode q = queue("orders");
        assertThat(q.get("name").asText()).isEqualTo("orders");
        assertThat(q.get("vhost").asText()).isEqualTo("/");
        assertThat(q.get("durable").asBoolean()).isTrue();
        assertThat(q.get("auto_delete").asBoolean()).isFalse();
        assertThat(q.get("exclusive").asBoolean()).isFalse();
        assertThat(q.get("arguments").get("x-max-length").asInt()).isEqualTo(100);
        assertThat(q.get("state").asText()).isEqualTo("running");
        assertThat(q.get("consumer_details").findValuesAsText("consumer_tag")).containsExactly("ctag-1");
        assertThat(server.get("/api/queues").json().findValuesAsText("name")).contains("orders");
        assertThat(server.get("/api/queues/%2F").json().findValuesAsText("name"))
                .containsExactly("orders");
        assertThat(server.get("/api/queues/%2F/missing").status()).isEqualTo(404);
        JsonNode totals = server.get("/api/overview").json();
        assertThat(totals.get("queue_totals").get("messages").asLong()).isEqualTo(3);
        assertThat(totals.get("queue_totals").get("messages_unacknowledged").asLong())
                .isEqualTo(1);
        assertThat(totals.get("object_totals").get("queues").asInt()).isEqualTo(1);
        assertThat(totals.get("object_totals").get("consumers").asInt()).isEqualTo(1);
        assertThat(server.get("/api/vhosts/%2F").json().get("messages_ready").asLong())
                .isEqualTo(2);
    }

    @Test
    void message_stats_count_what_went_through_a_queue_and_the_overview_adds_them_up() throws Exception {
        amqp.queueDeclare("stats", false, false, false, null);
        amqp.queueDeclare("other", false, false, false, null);
        for (int i = 0; i < 3; i++) {
            publish("stats", "m" + i);
        }
        publish("other", "x");
        GetResponse first = amqp.basicGet("stats", false);
        amqp.basicNack(first.getEnvelope().getDeliveryTag(), false, true);
        GetResponse again = amqp.basicGet("stats", false);
        amqp.basicAck(again.getEnvelope().getDeliveryTag(), false);

        JsonNode stats = queue("stats").get("message_stats");
        assertThat(stats.get("publish").asLong()).isEqualTo(3);
        assertThat(stats.get("deliver_get").asLong()).isEqualTo(2);
        assertThat(stats.get("redeliver").asLong()).isEqualTo(1);
        assertThat(stats.get("ack").asLong()).isEqualTo(1);
        assertThat(stats.get("dead_lettered").asLong()).isZero();
        assertThat(server.get("/api/queues").json().findValues("message_stats")).hasSize(2);
        JsonNode overview = server.get("/api/overview").json().get("message_stats");
        assertThat(overview.get("publish").asLong()).isEqualTo(4);
        assertThat(overview.get("ack").asLong()).isEqualTo(1);
    }

    @Test
    void put_declares_a_queue_that_amqp_then_sees_and_an_inequivalent_redeclare_is_a_400() throws Exception {
        ManagementFixture.Reply created = server.put(
                "/api/queues/%2F/jobs",
                "{\"durable\":true,\"auto_delete\":false,\"arguments\":{\"x-message-ttl\":60000}}");
        assertThat(created.status()).isEqualTo(201);
        assertThat(server.put("/api/queues/%2F/jobs", "{\"arguments\":{\"x-message-ttl\":60000}}")
                        .status())
                .isEqualTo(204);

        AMQP.Queue.DeclareOk ok = amqp.queueDeclarePassive("jobs");
        assertThat(ok.getQueue()).isEqualTo("jobs");

        ManagementFixture.Reply clash = server.put("/api/queues/%2F/jobs", "{\"arguments\":{\"x-message-ttl\":1}}");
        assertThat(clash.status()).isEqualTo(400);
        assertThat(clash.json().get("reason").asText()).contains("x-message-ttl");
        assertThat(server.put("/api/queues/%2F/bad", "{\"arguments\":{\"x-max-length\":-1}}")
                        .status())
                .isEqualTo(400);
    }

    @Test
    void purge_empties_the_queue_seen_over_amqp() throws Exception {
        amqp.queueDeclare("p", true, false, false, null);
        publish("p", "a");
        publish("p", "b");

        assertThat(server.delete("/api/queues/%2F/p/contents").status()).isEqualTo(204);

        assertThat(amqp.queueDeclarePassive("p").getMessageCount()).isZero();
        assertThat(server.delete("/api/queues/%2F/nope/contents").status()).isEqualTo(404);
    }

    @Test
    void delete_honours_if_empty_and_if_unused() throws Exception {
        amqp.queueDeclare("d", true, false, false, null);
        publish("d", "keep me");

        ManagementFixture.Reply refused = server.delete("/api/queues/%2F/d?if-empty=true");
        assertThat(refused.status()).isEqualTo(400);
        assertThat(server.get("/api/queues/%2F/d").status()).isEqualTo(200);

        Channel consumer = server.connect("c").createChannel();
        consumer.basicConsume("d", true, (tag, d) -> {}, tag -> {});
        assertThat(server.delete("/api/queues/%2F/d?if-unused=true").status()).isEqualTo(400);

        assertThat(server.delete("/api/queues/%2F/d").status()).isEqualTo(204);
        assertThat(server.get("/api/queues/%2F/d").status()).isEqualTo(404);
        assertThat(server.delete("/api/queues/%2F/d").status()).isEqualTo(404);
    }

    @Test
    void get_takes_messages_with_each_ackmode() throws Exception {
        amqp.queueDeclare("g", true, false, false, null);
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder()
                .contentType("text/plain")
                .headers(Map.of("k", "v"))
                .deliveryMode(2)
                .build();
        amqp.basicPublish("", "g", props, "first".getBytes(StandardCharsets.UTF_8));
        amqp.basicPublish("", "g", null, new byte[] {(byte) 0xff, 0, 1});
        amqp.waitForConfirmsOrDie(5000);

        ManagementFixture.Reply peek = server.post(
                "/api/queues/%2F/g/get", "{\"count\":5,\"ackmode\":\"ack_requeue_true\",\"encoding\":\"auto\"}");
        assertThat(peek.status()).isEqualTo(200);
        assertThat(peek.json().size()).isEqualTo(2);
        JsonNode first = peek.json().get(0);
        assertThat(first.get("payload").asText()).isEqualTo("first");
        assertThat(first.get("payload_encoding").asText()).isEqualTo("string");
        assertThat(first.get("routing_key").asText()).isEqualTo("g");
        assertThat(first.get("message_count").asLong()).isEqualTo(1);
        assertThat(first.get("properties").get("content_type").asText()).isEqualTo("text/plain");
        assertThat(first.get("properties").get("headers").get("k").asText()).isEqualTo("v");
        assertThat(first.get("properties").get("delivery_mode").asInt()).isEqualTo(2);
        JsonNode binary = peek.json().get(1);
        assertThat(binary.get("payload_encoding").asText()).isEqualTo("base64");
        assertThat(binary.get("payload").asText()).isEqualTo("/wAB");

        ManagementFixture.Reply again = server.post(
                "/api/queues/%2F/g/get", "{\"count\":1,\"ackmode\":\"reject_requeue_true\",\"encoding\":\"base64\"}");
        assertThat(again.json().get(0).get("redelivered").asBoolean()).isTrue();
        assertThat(again.json().get(0).get("payload").asText()).isEqualTo("Zmlyc3Q=");

        ManagementFixture.Reply take = server.post(
                "/api/queues/%2F/g/get", "{\"count\":1,\"ackmode\":\"ack_requeue_false\",\"encoding\":\"auto\"}");
        assertThat(take.json().get(0).get("payload").asText()).isEqualTo("first");

        GetResponse left = amqp.basicGet("g", true);
        assertThat(left.getBody()).containsExactly((byte) 0xff, 0, 1);
        assertThat(amqp.basicGet("g", true)).isNull();
        assertThat(server.post("/api/queues/%2F/g/get", "{\"count\":1,\"ackmode\":\"maybe\",\"encoding\":\"auto\"}")
                        .status())
                .isEqualTo(400);
        assertThat(server.post("/api/queues/%2F/none/get", "{\"count\":1,\"ackmode\":\"ack_requeue_false\"}")
                        .status())
                .isEqualTo(404);
    }

    @Test
    void publish_routes_through_an_exchange_and_the_message_arrives_over_amqp() throws Exception {
        assertThat(server.put("/api/exchanges/%2F/events", "{\"type\":\"topic\",\"durable\":true}")
                        .status())
                .isEqualTo(201);
        amqp.queueDeclare("audit", true, false, false, null);
        amqp.queueBind("audit", "events", "order.*");

        ManagementFixture.Reply routed = server.post(
                "/api/exchanges/%2F/events/publish",
                "{\"routing_key\":\"order.created\",\"payload\":\"hello\",\"payload_encoding\":\"string\","
                        + "\"properties\":{\"delivery_mode\":2,\"headers\":{\"n\":1},\"content_type\":\"text/plain\"}}");
        ManagementFixture.Reply unrouted = server.post(
                "/api/exchanges/%2F/events/publish",
                "{\"routing_key\":\"user.created\",\"payload\":\"aGk=\",\"payload_encoding\":\"base64\",\"properties\":{}}");

        assertThat(routed.status()).isEqualTo(200);
        assertThat(routed.json().get("routed").asBoolean()).isTrue();
        assertThat(unrouted.json().get("routed").asBoolean()).isFalse();
        GetResponse got = amqp.basicGet("audit", true);
        assertThat(new String(got.getBody(), StandardCharsets.UTF_8)).isEqualTo("hello");
        assertThat(got.getProps().getDeliveryMode()).isEqualTo(2);
        assertThat(got.getProps().getContentType()).isEqualTo("text/plain");
        assertThat(got.getProps().getHeaders()).containsEntry("n", 1L);
        assertThat(got.getEnvelope().getRoutingKey()).isEqualTo("order.created");

        ManagementFixture.Reply viaDefault = server.post(
                "/api/exchanges/%2F/amq.default/publish",
                "{\"routing_key\":\"audit\",\"payload\":\"direct\",\"payload_encoding\":\"string\",\"properties\":{}}");
        assertThat(viaDefault.json().get("routed").asBoolean()).isTrue();
        assertThat(server.post("/api/exchanges/%2F/missing/publish", "{\"routing_key\":\"k\",\"payload\":\"x\"}")
                        .status())
                .isEqualTo(404);
        assertThat(server.post(
                                "/api/exchanges/%2F/events/publish",
                                "{\"routing_key\":\"k\",\"payload\":\"x\",\"properties\":{\"delivery_mode\":\"x\"}}")
                        .status())
                .isEqualTo(400);
    }

    @Test
    void a_published_messages_priority_orders_it_in_a_priority_queue() throws Exception {
        amqp.queueDeclare("jobs", true, false, false, Map.of("x-max-priority", 10));
        for (String[] m : new String[][] {{"low", "1"}, {"none", null}, {"high", "9"}}) {
            String properties = m[1] == null ? "{}" : "{\"priority\":" + m[1] + "}";
            ManagementFixture.Reply published = server.post(
                    "/api/exchanges/%2F/amq.default/publish",
                    "{\"routing_key\":\"jobs\",\"payload\":\"" + m[0] + "\",\"payload_encoding\":\"string\","
                            + "\"properties\":" + properties + "}");
            assertThat(published.json().get("routed").asBoolean()).isTrue();
        }

        GetResponse first = amqp.basicGet("jobs", true);
        assertThat(new String(first.getBody(), StandardCharsets.UTF_8)).isEqualTo("high");
        assertThat(first.getProps().getPriority()).isEqualTo(9);
        assertThat(new String(amqp.basicGet("jobs", true).getBody(), StandardCharsets.UTF_8))
                .isEqualTo("low");
        assertThat(new String(amqp.basicGet("jobs", true).getBody(), StandardCharsets.UTF_8))
                .isEqualTo("none");
    }

    @Test
    void exchanges_are_listed_declared_and_deleted() throws Exception {
        JsonNode all = server.get("/api/exchanges/%2F").json();
        assertThat(all.findValuesAsText("name")).contains("", "amq.direct", "amq.topic");

        assertThat(server.put("/api/exchanges/%2F/x1", "{\"type\":\"fanout\",\"durable\":false}")
                        .status())
                .isEqualTo(201);
        JsonNode x1 = server.get("/api/exchanges/%2F/x1").json();
        assertThat(x1.get("type").asText()).isEqualTo("fanout");
        assertThat(x1.get("durable").asBoolean()).isFalse();
        amqp.exchangeDeclarePassive("x1");
        assertThat(server.put("/api/exchanges/%2F/x2", "{\"type\":\"no-such-type\"}")
                        .status())
                .isEqualTo(400);
        assertThat(server.put("/api/exchanges/%2F/x3", "{}").status()).isEqualTo(400);
        assertThat(server.get("/api/exchanges/%2F/amq.default")
                        .json()
                        .get("name")
                        .asText())
                .isEmpty();

        amqp.queueDeclare("bound", false, false, false, null);
        amqp.queueBind("bound", "x1", "");
        assertThat(server.delete("/api/exchanges/%2F/x1?if-unused=true").status())
                .isEqualTo(400);
        assertThat(server.delete("/api/exchanges/%2F/x1").status()).isEqualTo(204);
        assertThat(server.get("/api/exchanges/%2F/x1").status()).isEqualTo(404);
    }

    @Test
    void bindings_are_created_listed_and_deleted_by_their_properties_key() throws Exception {
        amqp.exchangeDeclare("src", "direct", true);
        amqp.exchangeDeclare("dst", "fanout", true);
        amqp.queueDeclare("bq", true, false, false, null);

        ManagementFixture.Reply created =
                server.post("/api/bindings/%2F/e/src/q/bq", "{\"routing_key\":\"rk\",\"arguments\":{}}");
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.raw().headers().firstValue("Location")).contains("rk");
        assertThat(server.post("/api/bindings/%2F/e/src/e/dst", "{\"routing_key\":\"\"}")
                        .status())
                .isEqualTo(201);

        JsonNode toQueue = server.get("/api/bindings/%2F/e/src/q/bq").json();
        assertThat(toQueue.size()).isEqualTo(1);
        assertThat(toQueue.get(0).get("properties_key").asText()).isEqualTo("rk");
        assertThat(toQueue.get(0).get("destination_type").asText()).isEqualTo("queue");
        JsonNode all = server.get("/api/bindings/%2F").json();
        assertThat(all.findValuesAsText("destination")).contains("bq", "dst");
        assertThat(server.get("/api/queues/%2F/bq/bindings").json().findValuesAsText("source"))
                .containsExactly("", "src");
        assertThat(server.get("/api/exchanges/%2F/src/bindings/source").json().size())
                .isEqualTo(2);

        amqp.basicPublish("src", "rk", null, "via binding".getBytes(StandardCharsets.UTF_8));
        amqp.waitForConfirmsOrDie(5000);
        assertThat(amqp.basicGet("bq", true)).isNotNull();

        assertThat(server.delete("/api/bindings/%2F/e/src/q/bq/rk").status()).isEqualTo(204);
        assertThat(server.delete("/api/bindings/%2F/e/src/e/dst/~").status()).isEqualTo(204);
        assertThat(server.get("/api/bindings/%2F/e/src/q/bq").json().size()).isZero();
        assertThat(server.delete("/api/bindings/%2F/e/src/q/bq/rk").status()).isEqualTo(404);
        assertThat(server.post("/api/bindings/%2F/e/src/q/missing", "{\"routing_key\":\"x\"}")
                        .status())
                .isEqualTo(404);
    }
}
