package io.hermod.server.tls;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What a TLS listener is configured with, as the operator wrote it (RabbitMQ's {@code ssl_options}): PEM files and the
 * peer verification policy. {@link PemTls#serverContext} checks the files and turns them into a Netty context; the AMQP
 * listener uses it now, the HTTP listener can take the same settings for HTTPS.
 *
 * @param certFile the server's certificate chain: its own certificate first, then any intermediates
 * @param keyFile its private key: unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY}) or RSA PKCS#1
 *     ({@code BEGIN RSA PRIVATE KEY})
 * @param caFile the CA certificates client certificates must chain to; null for none (then clients cannot be verified)
 * @param verifyPeer whether the server asks clients for a certificate and verifies one it gets (RabbitMQ's
 *     {@code verify_peer}; false is {@code verify_none})
 * @param failIfNoPeerCert whether a client without a certificate is refused (needs {@code verifyPeer})
 * @param versions the TLS versions offered, e.g. {@code TLSv1.3}, {@code TLSv1.2}
 */
public record TlsSettings(
        Path certFile, Path keyFile, Path caFile, boolean verifyPeer, boolean failIfNoPeerCert, List<String> versions) {

    public TlsSettings {
        Objects.requireNonNull(certFile, "certFile");
        Objects.requireNonNull(keyFile, "keyFile");
        versions = List.copyOf(versions);
    }
}
