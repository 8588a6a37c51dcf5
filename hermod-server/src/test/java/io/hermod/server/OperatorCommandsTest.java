package io.hermod.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.broker.QueueSpec;
import io.hermod.server.cli.Admin;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The operator commands ({@code ./hermod queues}, ...) against a running server's management API. */
@Timeout(60)
class OperatorCommandsTest {

    @TempDir
    Path dir;

    HermodServer server;

    /** What one command printed and its exit status. */
    record Run(int status, String out, String err) {}

    @BeforeEach
    void start() {
        server = start(dir.resolve("data"));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static HermodServer start(Path data) {
        ServerConfig config = ConfigLoader.load(
                CommandLine.parse("--data", data.toString(), "--amqp-port", "0", "--http-port", "0"),
                Map.of("HERMOD_AMQP_HOST", "127.0.0.1", "HERMOD_HTTP_HOST", "127.0.0.1"));
        return HermodServer.start(config);
    }

    private Run admin(HermodServer target, String stdin, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--host", "127.0.0.1", "--port", Integer.toString(target.httpPort())));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Admin.run(
                all.toArray(String[]::new),
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Run admin(String... args) {
        return admin(server, "", args);
    }

    @Test
    void publish_then_queues_then_get_show_the_message_in_tables() throws Exception {
        server.broker().connect("/", "test").openChannel().declareQueue(QueueSpec.durable("jobs"));

        Run published = admin("publish", "--routing-key", "jobs", "--payload", "hello from the CLI");
        Run piped = admin(server, "from stdin", "publish", "--routing-key", "jobs", "--persistent");
        Run unrouted = admin("publish", "--routing-key", "nowhere", "--payload", "x");

        assertThat(published.status()).isZero();
        assertThat(published.out()).contains("Message published");
        assertThat(piped.status()).isZero();
        assertThat(unrouted.out()).contains("NOT routed");

        Awaitility.await().untilAsserted(() -> {
            Run queues = admin("queues");
            assertThat(queues.status()).isZero();
            assertThat(queues.out().lines().findFirst().orElseThrow())
                    .contains("vhost")
                    .contains("name")
                    .contains("messages");
            assertThat(queues.out()).containsPattern("/\\s+\\| jobs\\s+\\| 2\\s+\\| 2\\s+\\| 0");
        });

        Run got = admin("get", "--queue", "jobs", "--count", "5");
        assertThat(got.status()).isZero();
        assertThat(got.out())
                .contains("hello from the CLI")
                .contains("from stdin")
                .contains("payload_bytes");
        // the default ackmode requeues: still two messages
        Run again = admin("get", "--queue", "jobs", "--count", "5", "--ackmode", "ack_requeue_false");
        assertThat(again.out()).contains("hello from the CLI");
        assertThat(admin("get", "--queue", "jobs").out()).contains("No messages in queue 'jobs'");
    }

    @Test
    void exchanges_lists_the_default_and_predeclared_exchanges() {
        Run run = admin("exchanges", "--vhost", "/");

        assertThat(run.status()).isZero();
        assertThat(run.out()).contains("(AMQP default)").contains("amq.topic").contains("topic");
    }

    @Test
    void definitions_export_and_import_carry_a_broker_over(@TempDir Path other) throws Exception {
        server.broker().addVhost("shop");
        server.broker().connect("shop", "test").openChannel().declareQueue(QueueSpec.durable("orders"));
        Path file = dir.resolve("definitions.json");

        Run exported = admin("definitions", "export", file.toString());

        assertThat(exported.status()).isZero();
        assertThat(Files.readString(file)).contains("\"orders\"");
        try (HermodServer fresh = start(other.resolve("data"))) {
            Run imported = admin(fresh, "", "definitions", "import", file.toString());

            assertThat(imported.status()).isZero();
            assertThat(imported.out()).contains("Imported definitions");
            assertThat(fresh.broker().vhost("shop").orElseThrow().queueNames()).containsExactly("orders");
        }
    }

    @Test
    void definitions_import_names_the_policy_keys_it_dropped() throws Exception {
        Path file = dir.resolve("rabbitmq.json");
        Files.writeString(
                file,
                "{\"policies\":[{\"vhost\":\"/\",\"name\":\"ha\",\"pattern\":\".*\",\"apply-to\":\"queues\","
                        + "\"definition\":{\"ha-mode\":\"all\",\"max-length\":10},\"priority\":0}]}");

        Run imported = admin("definitions", "import", file.toString());

        assertThat(imported.status()).isZero();
        assertThat(imported.out()).contains("policy 'ha' in vhost '/': ha-mode, imported without them");
        assertThat(server.broker().vhost("/").orElseThrow().policies())
                .singleElement()
                .satisfies(p -> assertThat(p.definition()).containsOnlyKeys("max-length"));
    }

    @Test
    void a_refusal_gives_a_clear_message_and_a_non_zero_exit() {
        Run wrongPassword = admin("queues", "--password", "wrong");
        Run missingQueue = admin("get", "--queue", "missing");
        Run usage = admin("publish");
        Run unknown = admin("frobnicate");

        assertThat(wrongPassword.status()).isEqualTo(1);
        assertThat(wrongPassword.err()).contains("GET /api/queues answered 401").contains("Login failed");
        assertThat(missingQueue.status()).isEqualTo(1);
        assertThat(missingQueue.err()).contains("404");
        assertThat(usage.status()).isEqualTo(2);
        assertThat(usage.err()).contains("--routing-key");
        assertThat(unknown.status()).isEqualTo(2);
    }

    @Test
    void an_unreachable_server_is_a_clear_failure() {
        int port = server.httpPort();
        server.close();

        Run run = admin(server, "", "queues");

        assertThat(run.status()).isEqualTo(1);
        assertThat(run.err()).contains("cannot reach the management API at http://127.0.0.1:" + port);
    }
}
