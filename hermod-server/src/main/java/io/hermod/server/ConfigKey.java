package io.hermod.server;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * Every key the server's configuration has: its name in the configuration file, its environment variable, its default
 * and what it does. A key is here only when it changes what the server does; {@code --help} and the configuration
 * errors list them from this table.
 *
 * <p>Environment variables: {@code HERMOD_} followed by the key in upper case with dots as underscores
 * ({@code amqp.port} is {@code HERMOD_AMQP_PORT}).
 */
enum ConfigKey {
    DATA_DIR("data.dir", "data", "the broker's data directory (definitions log, queue logs); created if missing"),
    AMQP_HOST("amqp.host", "0.0.0.0", "address the AMQP 0-9-1 listener binds; 0.0.0.0 is every IPv4 interface"),
    AMQP_PORT(
            "amqp.port",
            "5672",
            "AMQP 0-9-1 port; 0 picks a free one (printed at start); empty: no plain listener (TLS only)"),
    AMQP_FRAME_MAX("amqp.frame_max", "131072", "largest AMQP frame in bytes (>= 4096), proposed to clients"),
    AMQP_CHANNEL_MAX("amqp.channel_max", "2047", "most channels per AMQP connection (1-65535)"),
    AMQP_HEARTBEAT("amqp.heartbeat", "60", "AMQP heartbeat proposed to clients, seconds (0: none)"),
    AMQP_MAX_MESSAGE_SIZE("amqp.max_message_size", "128MiB", "largest message body accepted (at most 512MiB)"),
    AMQP_MAX_CONNECTIONS(
            "amqp.max_connections",
            "0",
            "most open AMQP connections, both listeners together; one more is refused at connection.open with 530"
                    + " (0: no limit)"),
    AMQP_HANDSHAKE_TIMEOUT(
            "amqp.handshake_timeout",
            "10000",
            "ms a new AMQP connection has, from its TCP accept, to get through TLS, authentication and tuning to"
                    + " connection.open; then it is closed (0: no limit)"),
    AMQP_TLS_PORT(
            "amqp.tls.port",
            "",
            "AMQP 0-9-1 over TLS port, 5671 by convention (empty: no TLS listener; 0: a free one); needs tls.cert_file"
                    + " and tls.key_file"),
    TLS_CERT_FILE("tls.cert_file", "", "PEM file: the server's certificate, then any intermediate CA certificates"),
    TLS_KEY_FILE("tls.key_file", "", "PEM file: its private key, unencrypted, PKCS#8 or RSA PKCS#1"),
    TLS_CA_FILE("tls.ca_file", "", "PEM file: the CA certificates client certificates must chain to (for verify_peer)"),
    TLS_VERIFY(
            "tls.verify",
            "verify_none",
            "verify_peer: ask TLS clients for a certificate and verify one they send; verify_none: never ask"),
    TLS_FAIL_IF_NO_PEER_CERT(
            "tls.fail_if_no_peer_cert", "false", "true: refuse TLS clients without a certificate (needs verify_peer)"),
    TLS_VERSIONS("tls.versions", "TLSv1.3,TLSv1.2", "TLS versions offered, comma-separated: TLSv1.3, TLSv1.2"),
    QUEUES_MAX(
            "queues.max",
            "0",
            "most queues, all vhosts together; declaring a new one beyond it is refused with 406 (0: no limit)"),
    DURABILITY(
            "durability",
            "fsync-always",
            "when durable queues confirm a persistent message: fsync-always (on disk); fsync-interval or os (NOT on"
                    + " disk yet: a power loss or OS crash loses confirmed messages)"),
    DURABILITY_FLUSH_INTERVAL(
            "durability.flush_interval", "1000", "ms between fsyncs of each durable queue's log under fsync-interval"),
    HTTP_PORT(
            "http.port",
            "15672",
            "management HTTP API port; 0 picks a free one (printed at start); empty: no listener"),
    HTTP_HOST("http.host", "0.0.0.0", "address the management HTTP listeners bind"),
    HTTP_TLS_PORT(
            "http.tls.port",
            "",
            "management HTTP over TLS (HTTPS) port, 15671 by convention (empty: none; 0: a free one); needs"
                    + " tls.cert_file and tls.key_file"),
    METRICS_PER_QUEUE(
            "metrics.per_queue",
            "false",
            "true: /metrics also has one series per queue (labels vhost and queue); false: per vhost only"),
    METRICS_AUTH(
            "metrics.auth",
            "false",
            "true: /metrics needs HTTP basic auth of a monitoring or administrator user; false: open to anyone who"
                    + " reaches the HTTP port, as RabbitMQ's Prometheus endpoint"),
    MEMORY_HIGH_WATERMARK(
            "alarms.memory_high_watermark",
            "0.6",
            "publishers are blocked above this fraction of the max heap in use after GC (0: off)"),
    DISK_FREE_LIMIT(
            "alarms.disk_free_limit", "50MB", "publishers are blocked below this free space on the data disk (0: off)"),
    PACING_CPU_LOAD(
            "pacing.cpu_load",
            "0.9",
            "CPU load (0-1) at which a queue whose consumers drain it fast but fall behind takes publishes at their"
                    + " pace: its publishers wait instead of growing a backlog (0: off)"),
    CONSUMER_TIMEOUT(
            "consumer_timeout",
            "1800000",
            "ms a delivery may stay unacknowledged before its channel is closed (406) and it is requeued (0: off)"),
    DEFAULT_USER_NAME("default_user.name", "guest", "administrator created with a new data directory"),
    DEFAULT_USER_PASSWORD("default_user.password", "guest", "that user's password"),
    LOOPBACK_USERS("loopback_users", "guest", "comma-separated users allowed to log in from loopback only"),
    LOG_LEVEL("log.level", "info", "trace, debug, info, warn, error or off");

    private final String key;
    private final String defaultValue;
    private final String description;

    ConfigKey(String key, String defaultValue, String description) {
        this.key = key;
        this.defaultValue = defaultValue;
        this.description = description;
    }

    /** The name in the configuration file, e.g. {@code amqp.port}. */
    String key() {
        return key;
    }

    String defaultValue() {
        return defaultValue;
    }

    String description() {
        return description;
    }

    /** The environment variable that overrides it, e.g. {@code HERMOD_AMQP_PORT}. */
    String environmentVariable() {
        return "HERMOD_" + key.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    /** Whether its value must never be echoed in messages and logs. */
    boolean secret() {
        return this == DEFAULT_USER_PASSWORD;
    }

    static Optional<ConfigKey> byKey(String name) {
        return Arrays.stream(values()).filter(k -> k.key.equals(name)).findFirst();
    }
}
