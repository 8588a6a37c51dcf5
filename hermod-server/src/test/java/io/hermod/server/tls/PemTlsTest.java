package io.hermod.server.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.hermod.server.tls.TlsConfigException.Setting;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** PEM files in, a Netty server context out; and for every file or option that cannot do, the setting and why. */
@Timeout(60)
class PemTlsTest {

    @TempDir
    static Path pkiDir;

    @TempDir
    Path dir;

    static TestPki pki;

    @BeforeAll
    static void makeCertificates() throws Exception {
        pki = TestPki.create(pkiDir);
    }

    private static TlsSettings settings(Path cert, Path key) {
        return new TlsSettings(cert, key, null, false, false, List.of("TLSv1.3", "TLSv1.2"));
    }

    @Test
    void a_certificate_and_a_pkcs8_key_make_a_server_context() {
        SslContext context = PemTls.serverContext(settings(pki.serverCert, pki.serverKey));

        assertThat(context.isServer()).isTrue();
    }

    @Test
    void an_rsa_pkcs1_key_is_read_too() {
        assertThat(PemTls.serverContext(settings(pki.serverCert, pki.serverKeyPkcs1))
                        .isServer())
                .isTrue();
    }

    @Test
    void mutual_tls_takes_the_ca_file() {
        TlsSettings mutual =
                new TlsSettings(pki.serverCert, pki.serverKey, pki.clientCa, true, true, List.of("TLSv1.3", "TLSv1.2"));

        assertThat(PemTls.serverContext(mutual).isServer()).isTrue();
    }

    @Test
    void a_missing_file_is_named_by_its_setting() {
        assertRefused(
                settings(dir.resolve("missing.pem"), pki.serverKey), Setting.CERT_FILE, "the file does not exist");
        assertRefused(settings(pki.serverCert, dir.resolve("missing.key")), Setting.KEY_FILE, "does not exist");
    }

    @Test
    void a_directory_or_an_unreadable_file_is_refused() throws IOException {
        assertRefused(settings(dir, pki.serverKey), Setting.CERT_FILE, "is a directory");

        assumeFalse("root".equals(System.getProperty("user.name")), "root reads files whatever their permissions");
        Path locked = Files.copy(pki.serverKey, dir.resolve("locked.key"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
        assertRefused(settings(pki.serverCert, locked), Setting.KEY_FILE, "permission denied");
    }

    @Test
    void a_file_that_is_not_pem_is_refused() throws IOException {
        Path garbage = Files.write(dir.resolve("garbage.pem"), new byte[] {0x30, (byte) 0x82, 1, 2, 3, 0, -1});
        Path broken = Files.writeString(
                dir.resolve("broken.pem"),
                "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n");

        assertRefused(settings(garbage, pki.serverKey), Setting.CERT_FILE, "the file is not PEM");
        assertRefused(settings(broken, pki.serverKey), Setting.CERT_FILE, "not a valid X.509 certificate");
        assertRefused(settings(pki.serverCert, garbage), Setting.KEY_FILE, "the file is not PEM");
    }

    @Test
    void a_key_file_without_a_key_or_a_certificate_file_without_a_certificate_is_refused() {
        assertRefused(settings(pki.serverCert, pki.serverCert), Setting.KEY_FILE, "no '-----BEGIN PRIVATE KEY-----'");
        assertRefused(settings(pki.serverKey, pki.serverKey), Setting.CERT_FILE, "no '-----BEGIN CERTIFICATE-----'");
    }

    @Test
    void a_key_that_is_not_the_certificates_is_refused() {
        assertRefused(
                settings(pki.serverCert, pki.otherKey),
                Setting.KEY_FILE,
                "not the private key of the certificate in the certificate file (its subject: CN=localhost)");
    }

    @Test
    void sec1_ec_keys_and_encrypted_keys_are_refused_with_the_command_that_converts_them() {
        assertRefused(settings(pki.serverCert, pki.ecKeySec1), Setting.KEY_FILE, "openssl pkcs8 -topk8 -nocrypt");
        assertRefused(settings(pki.serverCert, pki.serverKeyEncrypted), Setting.KEY_FILE, "the key is encrypted");
    }

    @Test
    void contradicting_options_are_refused() {
        List<String> versions = List.of("TLSv1.3");
        assertRefused(
                new TlsSettings(pki.serverCert, pki.serverKey, null, true, false, versions),
                Setting.CA_FILE,
                "must be set under verify_peer");
        assertRefused(
                new TlsSettings(pki.serverCert, pki.serverKey, pki.clientCa, false, true, versions),
                Setting.FAIL_IF_NO_PEER_CERT,
                "needs verify_peer");
        assertRefused(
                new TlsSettings(pki.serverCert, pki.serverKey, null, false, false, List.of("TLSv1.1")),
                Setting.VERSIONS,
                "'TLSv1.1' is not offered");
        assertRefused(
                new TlsSettings(pki.serverCert, pki.serverKey, null, false, false, List.of()),
                Setting.VERSIONS,
                "at least one");
    }

    private static void assertRefused(TlsSettings settings, Setting setting, String problem) {
        assertThatThrownBy(() -> PemTls.serverContext(settings))
                .isInstanceOfSatisfying(
                        TlsConfigException.class, e -> assertThat(e.setting()).isEqualTo(setting))
                .hasMessageContaining(problem);
    }
}
