package io.hermod.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.MessageProperties;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /metrics} scraped from a running server while the RabbitMQ Java client publishes, gets, acknowledges, requeues
 * and dead-letters: the documented names and labels are there (docs/operations.md), the counters move by what the
 * client did, and the switches ({@code metrics.per_queue}, {@code metrics.auth}) do what they say.
 */
@Timeout(60)
class MetricsEndpointTest {

    @TempDir
    Path dir;

    private HermodServer server;
    private Connection connection;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @AfterEach
    void stop() throws Exception {
        if (connection != null && connection.isOpen()) {
            connection.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private void start(Map<String, String> extra) throws Exception {
        Map<String, String> env = new HashMap<>(Map.of(
                "HERMOD_AMQP_HOST", "127.0.0.1",
                "HERMOD_HTTP_HOST", "127.0.0.1"));
        env.putAll(extra);
        server = HermodServer.start(ConfigLoader.load(
                CommandLine.parse("--data", dir.resolve("data").toString(), "--amqp-port", "0", "--http-port", "0"),
                env));
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("127.0.0.1");
        factory.setPort(server.amqpPort());
        connection = factory.newConnection();
    }

    private HttpResponse<String> scrape(String user) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.httpPort() + "/metrics"))
                .timeout(Duration.ofSeconds(10));
        if (user != null) {
            request.header(
                    "Authorization",
                    "Basic "
                            + Base64.getEncoder().encodeToString((user + ":" + user).getBytes(StandardCharsets.UTF_8)));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private PrometheusText metrics() throws Exception {
        HttpResponse<String> response = scrape(null);
        assertThat(response.statusCode()).isEqualTo(200);
        return PrometheusText.parse(response.body());
    }

    /**
     * Work the broker: 5 persistent messages into {@code work} (4 got and acknowledged, one of them after a requeue), 1
     * into {@code source}, rejected into its dead-letter queue {@code dead}.
     */
    private void traffic() throws Exception {
        Channel ch = connection.createChannel();
        ch.queueDeclare("work", true, false, false, null);
        ch.queueDeclare("dead", true, false, false, null);
        ch.queueDeclare(
                "source",
                true,
                false,
                false,
                Map.of("x-dead-letter-exchange", "", "x-dead-letter-routing-key", "dead"));
        ch.confirmSelect();
        for (int i = 0; i < 5; i++) {
            ch.basicPublish("", "work", MessageProperties.PERSISTENT_TEXT_PLAIN, ("m" + i).getBytes());
        }
        ch.basicPublish("", "source", MessageProperties.PERSISTENT_TEXT_PLAIN, "doomed".getBytes());
        ch.waitForConfirmsOrDie(10_000);
        for (int i = 0; i < 3; i++) {
            ch.basicAck(get(ch, "work").getEnvelope().getDeliveryTag(), false);
        }
        GetResponse back = get(ch, "work");
        ch.basicNack(back.getEnvelope().getDeliveryTag(), false, true);
        GetResponse again = get(ch, "work");
        assertThat(again.getEnvelope().isRedeliver()).isTrue();
        ch.basicAck(again.getEnvelope().getDeliveryTag(), false);
        ch.basicReject(get(ch, "source").getEnvelope().getDeliveryTag(), false);
    }

    private static GetResponse get(Channel ch, String queue) throws Exception {
        GetResponse[] got = new GetResponse[1];
        await().atMost(Duration.ofSeconds(10)).until(() -> (got[0] = ch.basicGet(queue, false)) != null);
        return got[0];
    }

    @Test
    void a_scrape_has_the_vhost_counters_moved_by_what_clients_did_and_the_node_resources() throws Exception {
        start(Map.of());
        traffic();

        HttpResponse<String> response = scrape(null);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("text/plain; version=0.0.4"));
        String[] vhost = {"vhost", "/"};
        await().atMost(Duration.ofSeconds(10))
                .until(() -> metrics()
                                        .valueOrMissing(
                                                "hermod_vhost_messages_dead_lettered_total",
                                                "vhost",
                                                "/",
                                                "reason",
                                                "rejected")
                                == 1
                        && metrics().valueOrMissing("hermod_vhost_messages_ready", vhost) == 2);
        PrometheusText m = metrics();
        // 5 into work, 1 into source, its dead-lettered copy into dead
        assertThat(m.value("hermod_vhost_messages_published_total", vhost)).hasValue(7);
        // work: 4 first deliveries and 1 redelivery; source: 1
        assertThat(m.value("hermod_vhost_messages_delivered_total", vhost)).hasValue(6);
        assertThat(m.value("hermod_vhost_messages_redelivered_total", vhost)).hasValue(1);
        assertThat(m.value("hermod_vhost_messages_acknowledged_total", vhost)).hasValue(4);
        assertThat(m.value("hermod_vhost_messages_dead_lettered_total", "vhost", "/", "reason", "expired"))
                .hasValue(0);
        assertThat(m.value("hermod_vhost_messages_unacknowledged", vhost)).hasValue(0);
        assertThat(m.value("hermod_vhost_queues", vhost)).hasValue(3);
        assertThat(m.value("hermod_vhost_consumers", vhost)).hasValue(0);
        // the latency of the 5 first deliveries: a histogram in seconds with a +Inf bucket
        assertThat(m.types()).containsEntry("hermod_vhost_delivery_latency_seconds", "histogram");
        assertThat(m.value("hermod_vhost_delivery_latency_seconds_count", vhost))
                .hasValue(5);
        assertThat(m.value("hermod_vhost_delivery_latency_seconds_bucket", "vhost", "/", "le", "+Inf"))
                .hasValue(5);
        assertThat(m.find("hermod_vhost_delivery_latency_seconds_bucket", vhost))
                .hasSizeGreaterThan(10);

        assertThat(m.value("hermod_connections")).hasValue(1);
        assertThat(m.value("hermod_vhost_connections", vhost)).hasValue(1);
        assertThat(m.value("hermod_channels")).hasValue(1);
        assertThat(m.value("hermod_vhost_channels", vhost)).hasValue(1);
        assertThat(m.value("hermod_memory_heap_used_bytes").orElseThrow()).isPositive();
        assertThat(m.value("hermod_memory_heap_max_bytes").orElseThrow()).isPositive();
        assertThat(m.value("hermod_memory_limit_bytes").orElseThrow()).isPositive();
        assertThat(m.value("hermod_memory_direct_used_bytes").orElseThrow()).isNotNegative();
        assertThat(m.value("hermod_disk_free_bytes").orElseThrow()).isPositive();
        assertThat(m.value("hermod_disk_free_limit_bytes")).hasValue(50_000_000);
        assertThat(m.value("hermod_alarm", "alarm", "memory")).hasValue(0);
        assertThat(m.value("hermod_alarm", "alarm", "disk")).hasValue(0);
        assertThat(m.value("hermod_cpu_pressure")).isPresent();
        // the machine's load is the broker's own measurement, Micrometer's system gauge included: Micrometer's
        // reading would cut that measurement short at every scrape
        double load = m.value("hermod_cpu_load").orElseThrow();
        assertThat(load).isBetween(0.0, 1.0);
        assertThat(m.value("system_cpu_usage").orElseThrow()).isCloseTo(load, within(0.11));
        assertThat(response.body()).contains("# HELP system_cpu_usage The machine's CPU load over the last second");
        // durable queues under fsync-always: their confirms waited for group commits
        assertThat(m.types()).containsEntry("hermod_storage_fsync_seconds", "histogram");
        assertThat(m.value("hermod_storage_fsync_seconds_count").orElseThrow()).isPositive();
        // Micrometer's JVM metrics come along
        assertThat(m.hasFamilyStartingWith("jvm_memory_used_bytes")).isTrue();
        // per-queue series only with metrics.per_queue
        assertThat(m.hasFamilyStartingWith("hermod_queue_")).isFalse();
    }

    @Test
    void the_vhost_counters_keep_what_a_deleted_queue_counted() throws Exception {
        start(Map.of());
        traffic();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> metrics().valueOrMissing("hermod_vhost_messages_acknowledged_total", "vhost", "/") == 4);

        Channel ch = connection.createChannel();
        ch.queueDelete("work");

        PrometheusText m = metrics();
        assertThat(m.value("hermod_vhost_messages_published_total", "vhost", "/"))
                .hasValue(7);
        assertThat(m.value("hermod_vhost_messages_acknowledged_total", "vhost", "/"))
                .hasValue(4);
        assertThat(m.value("hermod_vhost_queues", "vhost", "/")).hasValue(2);
    }

    @Test
    void per_queue_series_come_with_the_switch_and_metrics_auth_asks_a_monitoring_user() throws Exception {
        start(Map.of("HERMOD_METRICS_PER_QUEUE", "true", "HERMOD_METRICS_AUTH", "true"));
        traffic();

        assertThat(scrape(null).statusCode()).isEqualTo(401);
        assertThat(scrape("nobody").statusCode()).isEqualTo(401);
        HttpResponse<String> response = scrape("guest");
        assertThat(response.statusCode()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(10))
                .until(() -> PrometheusText.parse(scrape("guest").body())
                                .valueOrMissing("hermod_queue_messages_ready", "vhost", "/", "queue", "dead")
                        == 1);
        PrometheusText m = PrometheusText.parse(scrape("guest").body());
        assertThat(m.value("hermod_queue_messages_published_total", "vhost", "/", "queue", "work"))
                .hasValue(5);
        assertThat(m.value("hermod_queue_messages_acknowledged_total", "vhost", "/", "queue", "work"))
                .hasValue(4);
        assertThat(m.value("hermod_queue_messages_redelivered_total", "vhost", "/", "queue", "work"))
                .hasValue(1);
        assertThat(m.value(
                        "hermod_queue_messages_dead_lettered_total",
                        "vhost",
                        "/",
                        "queue",
                        "source",
                        "reason",
                        "rejected"))
                .hasValue(1);
        assertThat(m.value("hermod_queue_messages_ready", "vhost", "/", "queue", "work"))
                .hasValue(1);
        assertThat(m.value("hermod_queue_delivery_latency_seconds_count", "vhost", "/", "queue", "work"))
                .hasValue(4);
        // the per-vhost series stay beside them
        assertThat(m.value("hermod_vhost_messages_published_total", "vhost", "/"))
                .hasValue(7);
    }

    @Test
    void a_scraper_asking_for_openmetrics_gets_it() throws Exception {
        start(Map.of());
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + "/metrics"))
                        .header("Accept", "application/openmetrics-text; version=1.0.0")
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("application/openmetrics-text"));
        assertThat(response.body())
                .contains("hermod_vhost_messages_published_total{vhost=\"/\"}")
                .endsWith("# EOF\n");
    }
}
