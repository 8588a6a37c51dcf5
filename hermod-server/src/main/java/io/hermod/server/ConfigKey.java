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
    AMQP_PORT("amqp.port", "5672", "AMQP 0-9-1 port; 0 picks a free one (printed at start)"),
    AMQP_FRAME_MAX("amqp.frame_max", "131072", "largest AMQP frame in bytes (>= 4096), proposed to clients"),
    AMQP_CHANNEL_MAX("amqp.channel_max", "2047", "most channels per AMQP connection (1-65535)"),
    AMQP_HEARTBEAT("amqp.heartbeat", "60", "AMQP heartbeat proposed to clients, seconds (0: none)"),
    AMQP_MAX_MESSAGE_SIZE("amqp.max_message_size", "128MiB", "largest message body accepted (at most 512MiB)"),
    HTTP_PORT(
            "http.port",
            "15672",
            "management HTTP API port; 0 picks a free one (printed at start); empty: no listener"),
    HTTP_HOST("http.host", "0.0.0.0", "address the management HTTP listener binds"),
    MEMORY_HIGH_WATERMARK(
            "alarms.memory_high_watermark",
            "0.6",
            "publishers are blocked above this fraction of the max heap in use after GC (0: off)"),
    DISK_FREE_LIMIT(
            "alarms.disk_free_limit", "50MB", "publishers are blocked below this free space on the data disk (0: off)"),
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
