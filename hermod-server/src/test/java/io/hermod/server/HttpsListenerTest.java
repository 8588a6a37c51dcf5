package io.hermod.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hermod.server.tls.TestPki;
import java.io.IOException;
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
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The management listener over TLS ({@code http.tls.port}) with the same PEM files as AMQP, against the JDK's
 * HttpClient trusting the self-signed certificate openssl made for the test: the API, {@code /metrics} and the console
 * over HTTPS, beside plain HTTP or instead of it, and clients that do not trust it or speak plain HTTP to it.
 */
@Timeout(60)
class HttpsListenerTest {

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

    private void start(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of(
                "HERMOD_AMQP_HOST", "127.0.0.1",
                "HERMOD_HTTP_HOST", "127.0.0.1",
                "HERMOD_HTTP_TLS_PORT", "0",
                "HERMOD_TLS_CERT_FILE", pki.serverCert.toString(),
                "HERMOD_TLS_KEY_FILE", pki.serverKey.toString()));
        env.putAll(extra);
        server = HermodServer.start(ConfigLoader.load(
                CommandLine.parse("--data", dir.resolve("data").toString(), "--amqp-port", "0"), env));
    }

    private static HttpClient client(SSLContext tls) {
        return HttpClient.newBuilder()
                .sslContext(tls)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    private HttpResponse<String> get(HttpClient client, String scheme, int port, String path) throws Exception {
        return client.send(
                HttpRequest.newBuilder(URI.create(scheme + "://localhost:" + port + path))
                        .header(
                                "Authorization",
                                "Basic "
                                        + Base64.getEncoder()
                                                .encodeToString("guest:guest".getBytes(StandardCharsets.UTF_8)))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void the_api_metrics_and_console_answer_over_https_to_a_client_trusting_the_certificate() throws Exception {
        start(Map.of("HERMOD_HTTP_PORT", "0"));
        assertThat(server.httpTlsPort()).isPositive().isNotEqualTo(server.httpPort());
        HttpClient trusting = client(pki.clientTrustingServer());

        HttpResponse<String> overview = get(trusting, "https", server.httpTlsPort(), "/api/overview");
        assertThat(overview.statusCode()).isEqualTo(200);
        assertThat(overview.body()).contains("\"protocol\":\"https\"").contains("\"port\":" + server.httpTlsPort());
        assertThat(get(trusting, "https", server.httpTlsPort(), "/metrics").body())
                .contains("hermod_vhost_messages_published_total");
        assertThat(get(trusting, "https", server.httpTlsPort(), "/").body()).contains("<title>Hermod</title>");
        // the plain listener serves on beside it
        assertThat(get(HttpClient.newHttpClient(), "http", server.httpPort(), "/api/overview")
                        .statusCode())
                .isEqualTo(200);
    }

    @Test
    void a_client_that_does_not_trust_the_certificate_or_speaks_plain_http_is_refused_and_others_carry_on()
            throws Exception {
        start(Map.of("HERMOD_HTTP_PORT", ""));
        assertThat(server.httpPort()).isEqualTo(ServerConfig.NO_PORT);

        HttpClient untrusting = client(SSLContext.getDefault());
        assertThatThrownBy(() -> get(untrusting, "https", server.httpTlsPort(), "/api/overview"))
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> get(HttpClient.newHttpClient(), "http", server.httpTlsPort(), "/api/overview"))
                .isInstanceOf(IOException.class);

        assertThat(get(client(pki.clientTrustingServer()), "https", server.httpTlsPort(), "/api/whoami")
                        .statusCode())
                .isEqualTo(200);
    }

    @Test
    void http_tls_port_without_a_certificate_stops_the_start_naming_the_key() {
        Map<String, String> env = Map.of("HERMOD_HTTP_TLS_PORT", "15671");
        assertThatThrownBy(() -> ConfigLoader.load(
                        CommandLine.parse("--data", dir.resolve("data").toString(), "--amqp-port", "0"), env))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("tls.cert_file")
                .hasMessageContaining("http.tls.port");
    }

    @Test
    void http_tls_port_equal_to_http_port_is_refused() {
        Map<String, String> env = Map.of(
                "HERMOD_HTTP_TLS_PORT",
                "15680",
                "HERMOD_HTTP_PORT",
                "15680",
                "HERMOD_TLS_CERT_FILE",
                pki.serverCert.toString(),
                "HERMOD_TLS_KEY_FILE",
                pki.serverKey.toString());
        assertThatThrownBy(() -> ConfigLoader.load(
                        CommandLine.parse("--data", dir.resolve("data").toString(), "--amqp-port", "0"), env))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("http.tls.port")
                .hasMessageContaining("must differ from http.port");
    }
}
