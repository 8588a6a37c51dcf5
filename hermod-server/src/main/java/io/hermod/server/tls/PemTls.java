package io.hermod.server.tls;

import io.hermod.server.tls.TlsConfigException.Setting;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns {@link TlsSettings} (PEM files and RabbitMQ's peer verification options) into a Netty server
 * {@link SslContext}, checking everything an operator can get wrong before the first client finds out: files missing,
 * unreadable or not PEM, a key that is not the certificate's, {@code verify_peer} without CA certificates,
 * {@code fail_if_no_peer_cert} without {@code verify_peer}, TLS versions this JDK does not offer. Every failure is a
 * {@link TlsConfigException} naming the setting; an expired or not yet valid certificate only warns (clients will
 * refuse it, but the operator may be replacing it).
 *
 * <p>The context uses the JDK's TLS provider: no native library to ship or keep patched, and identical behaviour on
 * every platform; netty-tcnative (BoringSSL) would be a drop-in alternative if TLS throughput ever needs it.
 *
 * <p>Shared by every TLS listener of the server (AMQP now, HTTPS later). Threading: stateless; any thread.
 */
public final class PemTls {

    private static final Logger LOG = LoggerFactory.getLogger(PemTls.class);
    /** The versions offered at most: older ones are broken, and the JDK disables them anyway. */
    public static final Set<String> VERSIONS = Set.of("TLSv1.3", "TLSv1.2");

    private PemTls() {}

    /** A server context for {@code settings}; fails naming the setting at fault. */
    public static SslContext serverContext(TlsSettings settings) {
        checkPolicy(settings);
        List<X509Certificate> chain = PemFiles.certificates(Setting.CERT_FILE, settings.certFile());
        PrivateKey key = PemFiles.privateKey(Setting.KEY_FILE, settings.keyFile());
        checkKeyMatches(key, chain.get(0));
        warnIfNotValidNow(chain.get(0), settings.certFile());
        SslContextBuilder builder = SslContextBuilder.forServer(key, chain.toArray(X509Certificate[]::new))
                .sslProvider(SslProvider.JDK)
                .protocols(settings.versions())
                .clientAuth(clientAuth(settings));
        if (settings.caFile() != null) {
            builder.trustManager(
                    PemFiles.certificates(Setting.CA_FILE, settings.caFile()).toArray(X509Certificate[]::new));
        }
        try {
            return builder.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new TlsConfigException(
                    Setting.CERT_FILE, "the certificate and key cannot make a TLS context: " + e.getMessage(), e);
        }
    }

    /** RabbitMQ's verify / fail_if_no_peer_cert as a Netty client-auth mode. */
    private static ClientAuth clientAuth(TlsSettings settings) {
        if (!settings.verifyPeer()) {
            return ClientAuth.NONE;
        }
        return settings.failIfNoPeerCert() ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL;
    }

    private static void checkPolicy(TlsSettings settings) {
        if (settings.failIfNoPeerCert() && !settings.verifyPeer()) {
            throw new TlsConfigException(
                    Setting.FAIL_IF_NO_PEER_CERT, "true needs verify_peer: without it clients are never asked for one");
        }
        if (settings.verifyPeer() && settings.caFile() == null) {
            throw new TlsConfigException(
                    Setting.CA_FILE, "must be set under verify_peer: client certificates are verified against it");
        }
        if (settings.versions().isEmpty()) {
            throw new TlsConfigException(Setting.VERSIONS, "must name at least one of TLSv1.3, TLSv1.2");
        }
        Set<String> supported = supportedVersions();
        for (String version : settings.versions()) {
            if (!VERSIONS.contains(version)) {
                throw new TlsConfigException(
                        Setting.VERSIONS, "'" + version + "' is not offered: the versions are TLSv1.3 and TLSv1.2");
            }
            if (!supported.contains(version)) {
                throw new TlsConfigException(Setting.VERSIONS, "this JDK does not support " + version);
            }
        }
    }

    private static Set<String> supportedVersions() {
        try {
            return Set.of(SSLContext.getDefault().getSupportedSSLParameters().getProtocols());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no default TLS context", e);
        }
    }

    /** The private key must be the one of the (first) certificate: proved by signing with it and verifying. */
    private static void checkKeyMatches(PrivateKey key, X509Certificate certificate) {
        PublicKey publicKey = certificate.getPublicKey();
        String signatureAlgorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
            default -> null; // e.g. RSASSA-PSS, which needs parameters: left to the handshake
        };
        if (signatureAlgorithm == null) {
            return;
        }
        boolean matches;
        try {
            byte[] probe = new byte[32];
            new SecureRandom().nextBytes(probe);
            Signature signer = Signature.getInstance(signatureAlgorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(signatureAlgorithm);
            verifier.initVerify(publicKey);
            verifier.update(probe);
            matches = verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            matches = false; // e.g. an RSA key with an EC certificate
        }
        if (!matches) {
            throw new TlsConfigException(
                    Setting.KEY_FILE,
                    "the key is not the private key of the certificate in the certificate file (its subject: "
                            + certificate.getSubjectX500Principal().getName() + ")");
        }
    }

    private static void warnIfNotValidNow(X509Certificate certificate, Path file) {
        try {
            certificate.checkValidity();
        } catch (CertificateExpiredException e) {
            LOG.warn(
                    "The certificate in {} expired on {}: TLS clients will refuse it", file, certificate.getNotAfter());
        } catch (CertificateNotYetValidException e) {
            LOG.warn(
                    "The certificate in {} is valid from {} only: TLS clients will refuse it until then",
                    file,
                    certificate.getNotBefore());
        }
    }
}
