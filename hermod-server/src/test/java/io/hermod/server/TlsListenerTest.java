package io.hermod.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.MessageProperties;
import io.hermod.server.tls.TestPki;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The AMQP TLS listener against the RabbitMQ Java client, configured as an operator would ({@code amqp.tls.port},
 * {@code tls.*} keys) with certificates openssl made for the test: TLS beside the plain listener and instead of it,
 * clients that do not trust the server, mutual TLS, and a TLS port fed garbage while a TLS client works on.
 */
@Timeout(60)
class TlsListenerTest {

    @TempDir
    static Path pkiDir;

    @TempDir
    Path dir;

    static TestPki pki;

    private HermodServer server;

    @BeforeAll
    static void makeCertificates() throws Exception {
        pki = TestPki.create(pkiDir);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private HermodServer start(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of(
                "HERMOD_AMQP_HOST",
                "127.0.0.1",
                "HERMOD_AMQP_TLS_PORT",
                "0",
                "HERMOD_TLS_CERT_FILE",
                pki.serverCert.toString(),
                "HERMOD_TLS_KEY_FILE",
                pki.serverKey.toString()));
        env.putAll(extra);
        server = HermodServer.start(ConfigLoader.load(
                CommandLine.parse("--data", dir.resolve("data").toString(), "--amqp-port", "0"), env));
        return server;
    }

    private Map<String, String> mutualTls() {
        return Map.of(
                "HERMOD_TLS_CA_FILE", pki.clientCa.toString(),
                "HERMOD_TLS_VERIFY", "verify_peer",
                "HERMOD_TLS_FAIL_IF_NO_PEER_CERT", "true");
    }

    private ConnectionFactory tlsFactory(SSLContext context) {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost("127.0.0.1");
        f.setPort(server.amqpTlsPort());
        f.setAutomaticRecoveryEnabled(false);
        f.useSslProtocol(context);
        return f;
    }

    /** Publishes with confirms over {@code connection} and gets the message back. */
    private static void roundTrip(Connection connection, String queue) throws Exception {
        Channel ch = connection.createChannel();
        ch.queueDeclare(queue, true, false, false, null);
        ch.confirmSelect();
        ch.basicPublish(
                "", queue, MessageProperties.PERSISTENT_TEXT_PLAIN, "over tls".getBytes(StandardCharsets.UTF_8));
        ch.waitForConfirmsOrDie(5_000);
        GetResponse got = ch.basicGet(queue, true);
        assertThat(got).isNotNull();
        assertThat(new String(got.getBody(), StandardCharsets.UTF_8)).isEqualTo("over tls");
        ch.close();
    }

    @Test
    void a_client_trusting_the_certificate_publishes_with_confirms_and_consumes_over_tls() throws Exception {
        start(Map.of());
        assertThat(server.amqpTlsPort()).isPositive().isNotEqualTo(server.amqpPort());

        try (Connection tls = tlsFactory(pki.clientTrustingServer()).newConnection()) {
            roundTrip(tls, "tls");
        }
        ConnectionFactory plain = new ConnectionFactory();
        plain.setHost("127.0.0.1");
        plain.setPort(server.amqpPort());
        try (Connection c = plain.newConnection()) { // the plain listener serves beside it
            roundTrip(c, "plain");
        }
    }

    @Test
    void a_consumer_over_tls_receives_what_is_published() throws Exception {
        start(Map.of());
        try (Connection tls = tlsFactory(pki.clientTrustingServer()).newConnection()) {
            Channel ch = tls.createChannel();
            ch.queueDeclare("q", false, false, false, null);
            java.util.concurrent.BlockingQueue<String> received = new java.util.concurrent.LinkedBlockingQueue<>();
            ch.basicConsume(
                    "q",
                    true,
                    (tag, delivery) -> received.add(new String(delivery.getBody(), StandardCharsets.UTF_8)),
                    tag -> {});
            for (int i = 0; i < 100; i++) {
                ch.basicPublish("", "q", null, ("m" + i).getBytes(StandardCharsets.UTF_8));
            }

            for (int i = 0; i < 100; i++) {
                assertThat(received.poll(5, java.util.concurrent.TimeUnit.SECONDS))
                        .isEqualTo("m" + i);
            }
        }
    }

    @Test
    void a_client_that_does_not_trust_the_certificate_fails_the_handshake() throws Exception {
        start(Map.of());
        ConnectionFactory f = tlsFactory(pki.clientContext(pki.clientCa, null)); // trusts another certificate

        assertThatThrownBy(f::newConnection)
                .isInstanceOf(javax.net.ssl.SSLHandshakeException.class)
                .hasMessageContaining("PKIX path building failed");
        try (Connection c = tlsFactory(pki.clientTrustingServer()).newConnection()) {
            roundTrip(c, "after");
        }
    }

    @Test
    void mutual_tls_refuses_a_client_without_a_certificate_or_with_one_the_ca_did_not_sign() throws Exception {
        start(mutualTls());

        assertThatThrownBy(() -> tlsFactory(pki.clientTrustingServer()).newConnection())
                .isInstanceOfAny(IOException.class, SSLException.class);
        assertThatThrownBy(() -> tlsFactory(pki.clientContext(pki.serverCert, pki.rogueClientP12))
                        .newConnection())
                .isInstanceOfAny(IOException.class, SSLException.class);
    }

    @Test
    void mutual_tls_accepts_a_client_with_a_certificate_the_ca_signed() throws Exception {
        start(mutualTls());

        try (Connection c =
                tlsFactory(pki.clientContext(pki.serverCert, pki.clientP12)).newConnection()) {
            roundTrip(c, "mutual");
        }
    }

    @Test
    void garbage_and_plaintext_on_the_tls_port_close_only_their_own_connection() throws Exception {
        start(Map.of());
        try (Connection tls = tlsFactory(pki.clientTrustingServer()).newConnection()) {
            Channel ch = tls.createChannel();
            ch.queueDeclare("steady", false, false, false, null);

            byte[] garbage = new byte[4096];
            new Random(42).nextBytes(garbage);
            assertClosedByServer(garbage);
            assertClosedByServer(new byte[] {'A', 'M', 'Q', 'P', 0, 0, 9, 1}); // a plain AMQP client on the TLS port
            assertClosedByServer("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

            ch.basicPublish("", "steady", null, "still here".getBytes(StandardCharsets.UTF_8));
            await().atMost(Duration.ofSeconds(5)).until(() -> ch.messageCount("steady") == 1);
            assertThat(tls.isOpen()).isTrue();
        }
        try (Connection again = tlsFactory(pki.clientTrustingServer()).newConnection()) {
            roundTrip(again, "again");
        }
    }

    @Test
    void a_client_offering_only_a_version_the_server_does_not_fails() throws Exception {
        start(Map.of("HERMOD_TLS_VERSIONS", "TLSv1.3"));
        // a JDK context made for "TLSv1.2" offers nothing newer as a client
        ConnectionFactory f = tlsFactory(pki.clientContext(pki.serverCert, null, "TLSv1.2"));

        assertThatThrownBy(f::newConnection).isInstanceOfAny(IOException.class, SSLException.class);
    }

    @Test
    void the_tls_listener_may_be_the_only_one() throws Exception {
        Map<String, String> env = new HashMap<>(Map.of(
                "HERMOD_AMQP_HOST",
                "127.0.0.1",
                "HERMOD_AMQP_PORT",
                "",
                "HERMOD_TLS_CERT_FILE",
                pki.serverCert.toString(),
                "HERMOD_TLS_KEY_FILE",
                pki.serverKey.toString()));
        server = HermodServer.start(ConfigLoader.load(
                CommandLine.parse("--data", dir.resolve("data").toString(), "--amqp-tls-port", "0"), env));

        assertThat(server.amqpPort()).isEqualTo(-1);
        try (Connection c = tlsFactory(pki.clientTrustingServer()).newConnection()) {
            roundTrip(c, "only-tls");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"-tls1_3", "-tls1_2"})
    void openssls_own_client_gets_connection_start_over_either_version(String version) throws Exception {
        start(Map.of());
        // not the JDK's TLS stack on the client side: OpenSSL's, verifying the server against its certificate
        Process client = new ProcessBuilder(
                        "openssl",
                        "s_client",
                        "-connect",
                        "127.0.0.1:" + server.amqpTlsPort(),
                        "-CAfile",
                        pki.serverCert.toString(),
                        "-verify_return_error",
                        "-quiet",
                        version)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            client.getOutputStream().write(new byte[] {'A', 'M', 'Q', 'P', 0, 0, 9, 1});
            client.getOutputStream().flush();
            byte[] frameHeader = client.getInputStream().readNBytes(7);

            // a method frame (type 1) on channel 0: connection.start, over the TLS session OpenSSL verified
            assertThat(frameHeader).hasSize(7);
            assertThat(frameHeader[0]).isEqualTo((byte) 1);
            assertThat(frameHeader[1]).isZero();
            assertThat(frameHeader[2]).isZero();
        } finally {
            client.destroyForcibly().waitFor();
        }
    }

    /** Writes {@code bytes} to the TLS port on a raw socket and expects the server to close it. */
    private void assertClosedByServer(byte[] bytes) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", server.amqpTlsPort())) {
            socket.setSoTimeout(15_000);
            OutputStream out = socket.getOutputStream();
            out.write(bytes);
            out.flush();
            InputStream in = socket.getInputStream();
            try {
                while (in.read() >= 0) {
                    // a TLS alert may come first
                }
            } catch (SocketException e) {
                // reset by the server: closed as well
            }
        }
    }
}
