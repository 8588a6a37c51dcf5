package io.hermod.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.MessageProperties;
import com.rabbitmq.client.ShutdownSignalException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server as an operator runs it: a child JVM started with flags, stopped with a signal, started again on the same
 * data directory. The RabbitMQ Java client is the independent oracle.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HermodServerProcessTest {

    private static final Duration START = Duration.ofSeconds(30);
    private static final Duration EXIT = Duration.ofSeconds(30);
    private static final int MESSAGES = 200;
    private static final int EXIT_SIGTERM = 128 + 15;
    private static final int EXIT_SIGINT = 128 + 2;

    @TempDir
    Path dir;

    @Test
    void sigterm_closes_connections_with_connection_forced_and_confirmed_messages_survive_the_restart()
            throws Exception {
        Path data = dir.resolve("data");
        CompletableFuture<ShutdownSignalException> closedByServer = new CompletableFuture<>();

        // Given a server with a client that published persistent messages and got them confirmed
        try (ServerProcess server = ServerProcess.start(Map.of(), "--data", data.toString(), "--amqp-port", "0")) {
            int port = server.awaitStarted(START);
            Connection connection = factory(port).newConnection("publisher");
            connection.addShutdownListener(closedByServer::complete);
            Channel channel = connection.createChannel();
            channel.queueDeclare("orders", true, false, false, null);
            channel.confirmSelect();
            for (int i = 0; i < MESSAGES; i++) {
                channel.basicPublish(
                        "",
                        "orders",
                        MessageProperties.PERSISTENT_TEXT_PLAIN,
                        body(i).getBytes(StandardCharsets.UTF_8));
            }
            channel.waitForConfirmsOrDie(10_000);

            // When it gets SIGTERM
            server.terminate();

            // Then it exits as a JVM does after SIGTERM, having told the client CONNECTION_FORCED
            assertThat(server.awaitExit(EXIT)).isEqualTo(EXIT_SIGTERM);
            ShutdownSignalException signal = closedByServer.get(10, TimeUnit.SECONDS);
            assertThat(signal.isHardError()).isTrue();
            assertThat(signal.isInitiatedByApplication()).isFalse();
            assertThat(signal.getReason()).isInstanceOf(AMQP.Connection.Close.class);
            assertThat(((AMQP.Connection.Close) signal.getReason()).getReplyCode())
                    .isEqualTo(AMQP.CONNECTION_FORCED);
            assertThat(server.output()).contains("Hermod stopped");
        }

        // And a restart on the same data directory has every message, in order
        try (ServerProcess server = ServerProcess.start(Map.of(), "--data", data.toString(), "--amqp-port", "0")) {
            int port = server.awaitStarted(START);
            try (Connection connection = factory(port).newConnection("consumer")) {
                Channel channel = connection.createChannel();
                assertThat(channel.queueDeclarePassive("orders").getMessageCount())
                        .isEqualTo(MESSAGES);
                for (int i = 0; i < MESSAGES; i++) {
                    GetResponse got = channel.basicGet("orders", true);
                    assertThat(got).isNotNull();
                    assertThat(new String(got.getBody(), StandardCharsets.UTF_8))
                            .isEqualTo(body(i));
                    assertThat(got.getProps().getDeliveryMode()).isEqualTo(2);
                }
                assertThat(channel.basicGet("orders", true)).isNull();
            }
            server.terminate();
            assertThat(server.awaitExit(EXIT)).isEqualTo(EXIT_SIGTERM);
        }
    }

    @Test
    void the_management_api_answers_on_the_port_of_the_start_line_and_stops_with_the_server() throws Exception {
        try (ServerProcess server = ServerProcess.start(Map.of(), "--data", dir.toString(), "--amqp-port", "0")) {
            int amqpPort = server.awaitStarted(START);
            int httpPort = server.httpPort();
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest overview = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/api/overview"))
                    .header("Authorization", "Basic Z3Vlc3Q6Z3Vlc3Q=") // guest:guest, from loopback
                    .build();

            HttpResponse<String> response = http.send(overview, HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("\"port\":" + amqpPort).contains("\"port\":" + httpPort);
            server.terminate();
            assertThat(server.awaitExit(EXIT)).isEqualTo(EXIT_SIGTERM);
            assertThatThrownBy(() -> http.send(overview, HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(IOException.class);
        }
    }

    @Test
    void sigint_stops_it_gracefully_too() throws Exception {
        // a shell without job control starts background commands with SIGINT ignored, children inherit that, and a JVM
        // keeps an inherited ignore (as nohup relies on for SIGHUP): the server would rightly not stop
        assumeFalse(sigintIgnored(), "SIGINT is ignored in this process tree (a background job of a shell)");
        try (ServerProcess server = ServerProcess.start(Map.of(), "--data", dir.toString(), "--amqp-port", "0")) {
            server.awaitStarted(START);

            new ProcessBuilder("kill", "-INT", Long.toString(server.process().pid()))
                    .inheritIO()
                    .start()
                    .waitFor();

            assertThat(server.awaitExit(EXIT)).isEqualTo(EXIT_SIGINT);
            assertThat(server.output())
                    .contains("Stopping: closing connections")
                    .contains("Hermod stopped");
        }
    }

    /** Whether this JVM, and so its children, started with SIGINT ignored (Linux: SigIgn in /proc/self/status). */
    private static boolean sigintIgnored() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return false;
        }
        return Files.readAllLines(status).stream()
                .filter(line -> line.startsWith("SigIgn:"))
                .map(line -> Long.parseUnsignedLong(
                        line.substring("SigIgn:".length()).trim(), 16))
                .anyMatch(mask -> (mask & (1L << (2 - 1))) != 0);
    }

    @Test
    void a_configuration_error_exits_with_2_naming_the_key_before_touching_the_data_directory() throws Exception {
        Path data = dir.resolve("data");
        try (ServerProcess server = ServerProcess.start(
                Map.of("HERMOD_AMQP_HEARTBEAT", "soon"), "--data", data.toString(), "--amqp-port", "0")) {

            assertThat(server.awaitExit(EXIT)).isEqualTo(2);
            assertThat(server.output())
                    .contains("hermod server: environment variable HERMOD_AMQP_HEARTBEAT: amqp.heartbeat: must be an"
                            + " integer in [0, 65535], got 'soon'");
            assertThat(data).doesNotExist();
        }
    }

    @Test
    void a_port_in_use_exits_with_1_and_says_why() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                ServerProcess server = ServerProcess.start(
                        Map.of(), "--data", dir.toString(), "--amqp-port", Integer.toString(taken.getLocalPort()))) {

            assertThat(server.awaitExit(EXIT)).isEqualTo(1);
            assertThat(server.output())
                    .contains("hermod server: cannot start: ")
                    .contains("Address already in use");
        }
    }

    @Test
    void an_unknown_flag_exits_with_2_naming_it() throws Exception {
        try (ServerProcess server = ServerProcess.start(Map.of(), "--amqp-port", "0", "--tls")) {
            assertThat(server.awaitExit(EXIT)).isEqualTo(2);
            assertThat(server.output()).contains("hermod server: unknown option '--tls' (see --help)");
        }
    }

    private static ConnectionFactory factory(int port) {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost("127.0.0.1");
        factory.setPort(port);
        factory.setAutomaticRecoveryEnabled(false);
        return factory;
    }

    private static String body(int i) {
        return "order-" + i;
    }
}
