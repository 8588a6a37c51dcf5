package io.hermod.server.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Certificates and keys made at test time with the {@code openssl} command (Debian's {@code openssl} package; CI
 * installs it), so that no private key is ever committed: a self-signed server certificate for {@code localhost} and
 * 127.0.0.1, a CA with a client certificate it signed, a self-signed "rogue" client, and the same server key in the
 * other forms a key file may come in. Plus the client-side {@link SSLContext}s the RabbitMQ Java client takes.
 *
 * <p>Threading: made once per test class, then read only.
 */
public final class TestPki {

    public static final String PASSWORD = "test-only";

    public final Path dir;
    /** Self-signed server certificate (CN=localhost) and its key in PKCS#8. */
    public final Path serverCert;

    public final Path serverKey;
    /** The same key as PKCS#1 ({@code BEGIN RSA PRIVATE KEY}), as SEC1 EC, and encrypted. */
    public final Path serverKeyPkcs1;

    public final Path ecKeySec1;
    public final Path serverKeyEncrypted;
    /** Another key, which is not the server certificate's. */
    public final Path otherKey;
    /** The CA that signs client certificates, and a client certificate it signed (PKCS#12, for the Java client). */
    public final Path clientCa;

    public final Path clientP12;
    /** A self-signed client certificate no configured CA signed (PKCS#12). */
    public final Path rogueClientP12;

    private TestPki(Path dir) {
        this.dir = dir;
        this.serverCert = dir.resolve("server.pem");
        this.serverKey = dir.resolve("server.key");
        this.serverKeyPkcs1 = dir.resolve("server-pkcs1.key");
        this.ecKeySec1 = dir.resolve("ec-sec1.key");
        this.serverKeyEncrypted = dir.resolve("server-encrypted.key");
        this.otherKey = dir.resolve("other.key");
        this.clientCa = dir.resolve("client-ca.pem");
        this.clientP12 = dir.resolve("client.p12");
        this.rogueClientP12 = dir.resolve("rogue.p12");
    }

    /** Makes everything in {@code dir} (about a second: a few RSA and EC keys). */
    public static TestPki create(Path dir) throws IOException, InterruptedException {
        TestPki pki = new TestPki(dir);
        pki.selfSigned("server", "localhost", "rsa:2048", "subjectAltName=DNS:localhost,IP:127.0.0.1");
        pki.openssl("rsa", "-in", "server.key", "-traditional", "-out", "server-pkcs1.key");
        pki.openssl(
                "pkey", "-in", "server.key", "-aes256", "-passout", "pass:" + PASSWORD, "-out", "server-encrypted.key");
        pki.openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec-sec1.key");
        pki.openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "other.key");
        // the client CA and a client it signed
        pki.selfSigned("client-ca", "Hermod Test Client CA", "ec", "basicConstraints=critical,CA:TRUE");
        pki.openssl(
                "req",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                "client.key",
                "-out",
                "client.csr",
                "-subj",
                "/CN=client");
        pki.openssl(
                "x509",
                "-req",
                "-in",
                "client.csr",
                "-CA",
                "client-ca.pem",
                "-CAkey",
                "client-ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-out",
                "client.pem");
        pki.pkcs12("client");
        // a client nobody vouches for
        pki.selfSigned("rogue", "rogue", "ec", "basicConstraints=CA:FALSE");
        pki.pkcs12("rogue");
        return pki;
    }

    /** {@code name.pem} and {@code name.key}: a self-signed certificate for {@code cn} on a new key. */
    private void selfSigned(String name, String cn, String keyType, String extension)
            throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("req", "-x509", "-newkey", keyType));
        if (keyType.equals("ec")) {
            args.addAll(List.of("-pkeyopt", "ec_paramgen_curve:P-256"));
        }
        args.addAll(List.of(
                "-nodes",
                "-keyout",
                name + ".key",
                "-out",
                name + ".pem",
                "-days",
                "2",
                "-subj",
                "/CN=" + cn,
                "-addext",
                extension));
        openssl(args.toArray(String[]::new));
    }

    /** {@code name.p12}: {@code name.pem} and {@code name.key} in a PKCS#12 key store, for the Java client. */
    private void pkcs12(String name) throws IOException, InterruptedException {
        openssl(
                "pkcs12",
                "-export",
                "-in",
                name + ".pem",
                "-inkey",
                name + ".key",
                "-out",
                name + ".p12",
                "-passout",
                "pass:" + PASSWORD);
    }

    private void openssl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw new IOException("the TLS tests need the openssl command (Debian: apt-get install openssl)", e);
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("openssl " + String.join(" ", args) + " failed:\n" + output);
        }
    }

    /** A client context that trusts the server's self-signed certificate, without a certificate of its own. */
    public SSLContext clientTrustingServer() throws IOException, GeneralSecurityException {
        return clientContext(serverCert, null);
    }

    /** A client context that trusts {@code trusted} and presents the certificate in {@code p12} (or none, if null). */
    public SSLContext clientContext(Path trusted, Path p12) throws IOException, GeneralSecurityException {
        return clientContext(trusted, p12, "TLS");
    }

    /** {@link #clientContext(Path, Path)} from the JDK's context for {@code protocol}, e.g. {@code TLSv1.2}. */
    public SSLContext clientContext(Path trusted, Path p12, String protocol)
            throws IOException, GeneralSecurityException {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(trusted)) {
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trust.setCertificateEntry("trusted-" + i++, c);
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (p12 != null) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(p12)) {
                keys.load(in, PASSWORD.toCharArray());
            }
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, PASSWORD.toCharArray());
        }
        SSLContext context = SSLContext.getInstance(protocol);
        context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return context;
    }
}
