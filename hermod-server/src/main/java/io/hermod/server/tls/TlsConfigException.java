package io.hermod.server.tls;

/**
 * A TLS setting that cannot be used: a file that is missing, unreadable or not what it should be, a key that does not
 * belong to the certificate, a policy that contradicts itself. It names the setting, so that the server can report it
 * under its configuration key, and says what is wrong in words meant for the operator.
 */
public final class TlsConfigException extends RuntimeException {

    /** The setting at fault. */
    public enum Setting {
        CERT_FILE,
        KEY_FILE,
        CA_FILE,
        VERIFY,
        FAIL_IF_NO_PEER_CERT,
        VERSIONS
    }

    private final Setting setting;

    public TlsConfigException(Setting setting, String problem) {
        super(problem);
        this.setting = setting;
    }

    public TlsConfigException(Setting setting, String problem, Throwable cause) {
        super(problem, cause);
        this.setting = setting;
    }

    public Setting setting() {
        return setting;
    }
}
