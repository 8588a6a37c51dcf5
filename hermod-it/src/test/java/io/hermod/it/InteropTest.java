package io.hermod.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hermod.amqp.server.AmqpServer;
import io.hermod.amqp.server.AmqpServerConfig;
import io.hermod.broker.Broker;
import io.hermod.broker.BrokerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interop smoke (issue 5): Python pika and Node amqplib, unchanged, against Hermod. Each test starts a broker and the
 * AMQP server on an ephemeral loopback port and runs one client script from {@code src/test/interop} as a child
 * process with the port in {@code HERMOD_AMQP_PORT}. The script publishes persistent messages with confirms to a
 * durable queue and consumes them with prefetch 1, acking most and nacking a few with requeue; it exits 0 only when
 * every message arrived. A client that is not installed skips its test: {@code .ci/run} installs both ({@code apt-get
 * install python3-pika nodejs npm}, {@code npm ci} in the interop directory).
 *
 * <p>Named {@code *Test} so that the default build runs it: the failsafe plugin is not bound in this build.
 */
@Timeout(60)
class InteropTest {

    private static final long CLIENT_TIMEOUT_SECONDS = 30;
    private static final Path INTEROP = moduleDirectory().resolve("src/test/interop");

    @TempDir
    Path dir;

    private Broker broker;
    private AmqpServer server;

    @BeforeEach
    void start() {
        broker = Broker.open(BrokerConfig.of(dir.resolve("data")));
        server = AmqpServer.start(broker, AmqpServerConfig.of("127.0.0.1", 0));
    }

    @AfterEach
    void stop() {
        server.close();
        broker.close();
    }

    /**
     * Skips the test when a client is missing, unless {@code HERMOD_REQUIRE_CLIENTS=true} (as {@code .ci/run} sets it,
     * after installing them): there a missing client fails the build instead of passing it by skipping.
     */
    private static void installed(boolean present, String missing) {
        if (Boolean.parseBoolean(System.getenv("HERMOD_REQUIRE_CLIENTS"))) {
            assertThat(present).as(missing).isTrue();
        } else {
            assumeTrue(present, missing);
        }
    }

    @Test
    void pikaPublishesPersistentMessagesWithConfirmsAndConsumesThemWithPrefetchOneAckAndNack() throws Exception {
        // Given Python with pika (Debian's python3-pika)
        Optional<String> python = pythonWithPika();
        installed(
                python.isPresent(),
                "Python pika is not installed: skipping the pika interop smoke"
                        + " (apt-get install python3-pika; .ci/run installs it)");

        // When the smoke script runs against the server
        ClientRun run =
                runClient(List.of(python.get(), INTEROP.resolve("pika_smoke.py").toString()));

        // Then every message arrived, was acked, and the nacked ones came back redelivered
        assertThat(run.exitCode())
                .as("pika smoke exit code; output:\n%s", run.output())
                .isZero();
        assertThat(run.output()).contains("pika smoke OK: 100 published with confirms, 100 acked, 10 nacked");
    }

    @Test
    void amqplibPublishesPersistentMessagesWithConfirmsAndConsumesThemWithPrefetchOneAckAndNack() throws Exception {
        // Given Node with amqplib installed from package-lock.json
        installed(
                succeeds(List.of("node", "--version")),
                "Node.js is not installed: skipping the amqplib interop smoke"
                        + " (apt-get install nodejs npm; .ci/run installs it)");
        installed(
                Files.isRegularFile(INTEROP.resolve("node_modules/amqplib/package.json")),
                "amqplib is not installed: skipping the amqplib interop smoke"
                        + " (run `npm ci` in hermod-it/src/test/interop; .ci/run does it)");

        // When the smoke script runs against the server
        ClientRun run =
                runClient(List.of("node", INTEROP.resolve("amqplib_smoke.js").toString()));

        // Then every message arrived, was acked, and the nacked ones came back redelivered
        assertThat(run.exitCode())
                .as("amqplib smoke exit code; output:\n%s", run.output())
                .isZero();
        assertThat(run.output()).contains("amqplib smoke OK: 100 published with confirms, 100 acked, 10 nacked");
    }

    private record ClientRun(int exitCode, String output) {}

    private ClientRun runClient(List<String> command) throws IOException, InterruptedException {
        Path output = Files.createTempFile(dir, "client", ".log");
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(INTEROP.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        builder.environment().put("HERMOD_AMQP_HOST", "127.0.0.1");
        builder.environment().put("HERMOD_AMQP_PORT", Integer.toString(server.port()));
        builder.environment().put("HERMOD_INTEROP_MESSAGES", "100");
        Process process = builder.start();
        try {
            if (!process.waitFor(CLIENT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                return new ClientRun(
                        -1,
                        "timed out after " + CLIENT_TIMEOUT_SECONDS + " s; output so far:\n"
                                + Files.readString(output));
            }
            return new ClientRun(process.exitValue(), Files.readString(output));
        } finally {
            process.destroyForcibly();
        }
    }

    /** Debian's python3-pika installs for the system Python, which may not be the first {@code python3} on PATH. */
    private static Optional<String> pythonWithPika() {
        for (String python : List.of("/usr/bin/python3", "python3")) {
            if (succeeds(List.of(python, "-c", "import pika"))) {
                return Optional.of(python);
            }
        }
        return Optional.empty();
    }

    private static boolean succeeds(List<String> command) {
        try {
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            try {
                return process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0;
            } finally {
                process.destroyForcibly();
            }
        } catch (IOException e) {
            return false; // not installed
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Surefire runs tests in the module directory and says so in {@code basedir}; an IDE may run them elsewhere. */
    private static Path moduleDirectory() {
        Path base = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
        return Files.isDirectory(base.resolve("src/test/interop")) ? base : base.resolve("hermod-it");
    }
}
