package io.hermod.server;

import io.hermod.server.tls.PemTls;
import io.hermod.server.tls.TlsConfigException;
import io.hermod.server.tls.TlsSettings;
import io.netty.handler.ssl.SslContext;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The configuration's {@code tls.*} keys: validated into {@link TlsSettings} (shared by every TLS listener), and turned
 * into a Netty context by {@link PemTls}, whose complaints come back as {@link ConfigException}s naming the key, where
 * it was set and the file.
 */
final class TlsKeys {

    private static final String VERIFY_PEER = "verify_peer";

    private TlsKeys() {}

    /**
     * The TLS settings, or null when neither a certificate nor a key is configured (then no listener may want TLS).
     *
     * @param wantedBy the key of a listener that needs TLS (its port is set), or null
     */
    static TlsSettings settings(Map<ConfigKey, Setting> settings, ConfigKey wantedBy) {
        Path cert = ConfigValues.optionalPath(ConfigKey.TLS_CERT_FILE, settings.get(ConfigKey.TLS_CERT_FILE));
        Path key = ConfigValues.optionalPath(ConfigKey.TLS_KEY_FILE, settings.get(ConfigKey.TLS_KEY_FILE));
        Path ca = ConfigValues.optionalPath(ConfigKey.TLS_CA_FILE, settings.get(ConfigKey.TLS_CA_FILE));
        boolean verifyPeer = ConfigValues.oneOf(
                        ConfigKey.TLS_VERIFY, settings.get(ConfigKey.TLS_VERIFY), List.of("verify_none", VERIFY_PEER))
                .equals(VERIFY_PEER);
        boolean failIfNoPeerCert =
                ConfigValues.bool(ConfigKey.TLS_FAIL_IF_NO_PEER_CERT, settings.get(ConfigKey.TLS_FAIL_IF_NO_PEER_CERT));
        List<String> versions = ConfigValues.list(ConfigKey.TLS_VERSIONS, settings.get(ConfigKey.TLS_VERSIONS));
        if (cert == null && key == null) {
            if (wantedBy != null) {
                throw ConfigException.invalid(
                        ConfigKey.TLS_CERT_FILE,
                        settings.get(ConfigKey.TLS_CERT_FILE),
                        "must be set (with tls.key_file): " + wantedBy.key() + " is set");
            }
            return null;
        }
        if (cert == null || key == null) {
            ConfigKey missing = cert == null ? ConfigKey.TLS_CERT_FILE : ConfigKey.TLS_KEY_FILE;
            ConfigKey other = cert == null ? ConfigKey.TLS_KEY_FILE : ConfigKey.TLS_CERT_FILE;
            throw ConfigException.invalid(
                    missing, settings.get(missing), "must be set: " + other.key() + " is, and one needs the other");
        }
        return new TlsSettings(cert, key, ca, verifyPeer, failIfNoPeerCert, versions);
    }

    /** The server context of {@code tls}: its files read and checked now, so that a bad one stops the start. */
    static SslContext context(TlsSettings tls, Map<ConfigKey, Setting> settings) {
        try {
            return PemTls.serverContext(tls);
        } catch (TlsConfigException e) {
            ConfigKey key = switch (e.setting()) {
                case CERT_FILE -> ConfigKey.TLS_CERT_FILE;
                case KEY_FILE -> ConfigKey.TLS_KEY_FILE;
                case CA_FILE -> ConfigKey.TLS_CA_FILE;
                case VERIFY -> ConfigKey.TLS_VERIFY;
                case FAIL_IF_NO_PEER_CERT -> ConfigKey.TLS_FAIL_IF_NO_PEER_CERT;
                case VERSIONS -> ConfigKey.TLS_VERSIONS;
            };
            throw ConfigException.invalid(key, settings.get(key), e.getMessage());
        }
    }
}
