package io.hermod.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hermod.amqp.server.AmqpServerConfig;
import io.hermod.server.tls.TestPki;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code amqp.tls.port} and {@code tls.*} keys: what they configure, and the start-time errors, which name where
 * the setting came from, the key, the problem and the file, without a stack trace.
 */
@Timeout(60)
class TlsConfigTest {

    @TempDir
    static Path pkiDir;

    @TempDir
    Path dir;

    static TestPki pki;

    @BeforeAll
    static void makeCertificates() throws Exception {
        pki = TestPki.create(pkiDir);
    }

    private ServerConfig load(String file) throws IOException {
        Path conf = Files.writeString(dir.resolve("hermod.conf"), file);
        return ConfigLoader.load(CommandLine.parse("--config", conf.toString()), Map.of());
    }

    @Test
    void without_tls_keys_there_is_no_tls_listener() {
        ServerConfig config = ConfigLoader.load(CommandLine.parse(), Map.of());

        assertThat(config.amqp().tlsPort()).isEqualTo(AmqpServerConfig.NO_PORT);
        assertThat(config.amqp().sslContext()).isNull();
        assertThat(config.tls()).isNull();
    }

    @Test
    void the_tls_keys_configure_the_tls_listener() throws IOException {
        ServerConfig config = load("amqp.tls.port = 5671\n"
                + "tls.cert_file = " + pki.serverCert + "\n"
                + "tls.key_file = " + pki.serverKeyPkcs1 + "\n"
                + "tls.ca_file = " + pki.clientCa + "\n"
                + "tls.verify = verify_peer\n"
                + "tls.fail_if_no_peer_cert = true\n"
                + "tls.versions = TLSv1.3\n");

        assertThat(config.amqp().port()).isEqualTo(5672);
        assertThat(config.amqp().tlsPort()).isEqualTo(5671);
        assertThat(config.amqp().sslContext().isServer()).isTrue();
        assertThat(config.tls().verifyPeer()).isTrue();
        assertThat(config.tls().failIfNoPeerCert()).isTrue();
        assertThat(config.tls().versions()).containsExactly("TLSv1.3");
        assertThat(config.tls().caFile()).isEqualTo(pki.clientCa);
    }

    @Test
    void the_flag_sets_the_tls_port_and_an_empty_plain_port_leaves_tls_alone() {
        ServerConfig config = ConfigLoader.load(
                CommandLine.parse("--amqp-tls-port", "15671", "--amqp-port="),
                Map.of(
                        "HERMOD_TLS_CERT_FILE", pki.serverCert.toString(),
                        "HERMOD_TLS_KEY_FILE", pki.serverKey.toString()));

        assertThat(config.amqp().tlsPort()).isEqualTo(15671);
        assertThat(config.amqp().port()).isEqualTo(AmqpServerConfig.NO_PORT);
    }

    @Test
    void a_tls_port_without_a_certificate_names_the_certificate_key() throws IOException {
        assertThatThrownBy(() -> load("amqp.tls.port = 5671\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("default: tls.cert_file: must be set (with tls.key_file): amqp.tls.port is set");
    }

    @Test
    void the_tls_port_must_not_be_the_plain_one() {
        assertThatThrownBy(() -> ConfigLoader.load(CommandLine.parse("--amqp-tls-port", "5672"), Map.of()))
                .hasMessage("--amqp-tls-port: amqp.tls.port: must differ from amqp.port, got '5672'");
    }

    @Test
    void no_listener_at_all_is_refused() {
        assertThatThrownBy(() -> ConfigLoader.load(CommandLine.parse("--amqp-port="), Map.of()))
                .hasMessage("--amqp-port: amqp.port: may be empty (no plain listener) only when amqp.tls.port is set,"
                        + " got ''");
    }

    @Test
    void a_missing_certificate_file_names_the_key_the_line_and_the_file() throws IOException {
        Path missing = dir.resolve("nope.pem");
        Path conf = dir.resolve("hermod.conf");

        assertThatThrownBy(() -> load("amqp.tls.port = 5671\ntls.cert_file = " + missing + "\ntls.key_file = "
                        + pki.serverKey + "\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessage(conf + " line 2: tls.cert_file: the file does not exist, got '" + missing + "'");
    }

    @Test
    void a_key_file_that_is_not_pem_names_the_environment_variable_and_the_key() throws IOException {
        Path notPem = Files.writeString(dir.resolve("key.txt"), "hello\n");

        assertThatThrownBy(() -> ConfigLoader.load(
                        CommandLine.parse(),
                        Map.of(
                                "HERMOD_AMQP_TLS_PORT", "5671",
                                "HERMOD_TLS_CERT_FILE", pki.serverCert.toString(),
                                "HERMOD_TLS_KEY_FILE", notPem.toString())))
                .hasMessageStartingWith("environment variable HERMOD_TLS_KEY_FILE: tls.key_file: the file is not PEM");
    }

    @Test
    void an_unreadable_file_a_foreign_key_and_contradicting_options_name_their_keys() {
        List.of(
                        List.of(Map.of("HERMOD_TLS_CERT_FILE", dir.toString()), "tls.cert_file: is a directory"),
                        List.of(Map.of("HERMOD_TLS_KEY_FILE", pki.otherKey.toString()), "tls.key_file: the key is not"),
                        List.of(
                                Map.of("HERMOD_TLS_VERIFY", "verify_peer"),
                                "tls.ca_file: must be set under verify_peer"),
                        List.of(Map.of("HERMOD_TLS_FAIL_IF_NO_PEER_CERT", "true"), "tls.fail_if_no_peer_cert: true"),
                        List.of(Map.of("HERMOD_TLS_VERSIONS", "TLSv1.3,SSLv3"), "tls.versions: 'SSLv3' is not offered"),
                        List.of(
                                Map.of("HERMOD_TLS_VERIFY", "yes"),
                                "tls.verify: must be one of verify_none, verify_peer"),
                        List.of(Map.of("HERMOD_TLS_FAIL_IF_NO_PEER_CERT", "1"), "must be one of true, false"))
                .forEach(c -> {
                    @SuppressWarnings("unchecked")
                    Map<String, String> override = (Map<String, String>) c.get(0);
                    java.util.Map<String, String> env = new java.util.HashMap<>(Map.of(
                            "HERMOD_AMQP_TLS_PORT", "5671",
                            "HERMOD_TLS_CERT_FILE", pki.serverCert.toString(),
                            "HERMOD_TLS_KEY_FILE", pki.serverKey.toString()));
                    env.putAll(override);
                    assertThatThrownBy(() -> ConfigLoader.load(CommandLine.parse(), env))
                            .isInstanceOf(ConfigException.class)
                            .hasMessageContaining((String) c.get(1));
                });
    }
}
