package io.hermod.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.hermod.server.tls.TestPki;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS as {@code ./hermod server} shows it to an operator, in a child JVM: the started line names the TLS listener, and
 * a bad TLS file stops the start with exit status 2 and one line naming the key, without a stack trace.
 */
@Timeout(120)
class TlsProcessTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final Pattern TLS_LISTENER = Pattern.compile("AMQP 0-9-1 over TLS on 127\\.0\\.0\\.1:(\\d+),");

    @TempDir
    static Path pkiDir;

    @TempDir
    Path dir;

    static TestPki pki;

    @BeforeAll
    static void makeCertificates() throws Exception {
        pki = TestPki.create(pkiDir);
    }

    @Test
    void the_started_line_names_the_tls_listener_and_a_tls_client_connects() throws Exception {
        Map<String, String> env = Map.of(
                "HERMOD_TLS_CERT_FILE", pki.serverCert.toString(),
                "HERMOD_TLS_KEY_FILE", pki.serverKey.toString());
        try (ServerProcess server = ServerProcess.start(
                env, "--data", dir.resolve("data").toString(), "--amqp-port", "0", "--amqp-tls-port", "0")) {
            server.awaitStarted(PATIENCE);
            Matcher m = TLS_LISTENER.matcher(server.output());
            assertThat(m.find()).as(server.output()).isTrue();

            ConnectionFactory f = new ConnectionFactory();
            f.setHost("127.0.0.1");
            f.setPort(Integer.parseInt(m.group(1)));
            f.useSslProtocol(pki.clientTrustingServer());
            try (Connection c = f.newConnection()) {
                assertThat(c.createChannel().queueDeclare().getQueue()).startsWith("amq.gen-");
            }
        }
    }

    @Test
    void a_missing_key_file_exits_with_2_naming_the_key_without_a_stack_trace() throws Exception {
        Path missing = dir.resolve("server.key");
        Map<String, String> env =
                Map.of("HERMOD_TLS_CERT_FILE", pki.serverCert.toString(), "HERMOD_TLS_KEY_FILE", missing.toString());
        try (ServerProcess server =
                ServerProcess.start(env, "--data", dir.resolve("data").toString(), "--amqp-tls-port", "5671")) {

            assertThat(server.awaitExit(PATIENCE)).isEqualTo(2);
            assertThat(server.output())
                    .isEqualTo("hermod server: environment variable HERMOD_TLS_KEY_FILE: tls.key_file: the file does"
                            + " not exist, got '" + missing + "'");
        }
    }
}
