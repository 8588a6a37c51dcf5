package io.hermod.server;

import io.hermod.amqp.server.AmqpServerConfig;
import io.hermod.broker.BrokerConfig;
import io.hermod.server.tls.TlsSettings;
import io.hermod.storage.Durability;
import io.netty.handler.ssl.SslContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The server's configuration, validated: everything {@code ./hermod server} needs to start. {@link ConfigLoader}
 * builds it from defaults, the configuration file, the environment and the command line; {@link #from} checks each
 * value against its key ({@link ConfigKey} says what each does).
 *
 * @param dataDirectory the broker's data directory
 * @param amqp the AMQP 0-9-1 listeners (plain, TLS or both) with their limits
 * @param httpHost the address the management HTTP listener binds
 * @param httpPort the management HTTP listener's port ({@link #NO_PORT}: no listener)
 * @param memoryHighWatermark the memory alarm threshold, a fraction of the maximum heap (0: off)
 * @param diskFreeLimitBytes the disk alarm threshold (0: off)
 * @param pacingCpuLoad the CPU load at which queues whose consumers fall behind take publishes at their pace (0: off)
 * @param consumerTimeout how long a delivery may stay unacknowledged (RabbitMQ's {@code consumer_timeout}; zero: off)
 * @param defaultUser the administrator a new data directory gets (RabbitMQ's {@code default_user})
 * @param defaultPassword its password (RabbitMQ's {@code default_pass})
 * @param loopbackUsers users that may log in from loopback addresses only (RabbitMQ's {@code loopback_users})
 * @param logLevel the root logging level: trace, debug, info, warn, error or off
 * @param tls the {@code tls.*} files and options, for every TLS listener; null when no certificate is configured
 * @param maxQueues the most queues over all vhosts (0: no limit)
 * @param durability the durability policy of durable queues' logs: when their publishes are confirmed
 * @param flushInterval how often durable queues' logs are fsynced under {@code fsync-interval}
 * @param httpTlsPort the management HTTPS listener's port ({@link #NO_PORT}: no listener)
 * @param httpSslContext the TLS context of the HTTPS listener (from the {@code tls.*} files); null without one
 * @param metricsPerQueue whether {@code /metrics} has per-queue series besides the per-vhost ones
 * @param metricsAuth whether {@code /metrics} needs basic auth (a monitoring or administrator user)
 */
record ServerConfig(
        Path dataDirectory,
        AmqpServerConfig amqp,
        String httpHost,
        int httpPort,
        double memoryHighWatermark,
        long diskFreeLimitBytes,
        double pacingCpuLoad,
        Duration consumerTimeout,
        String defaultUser,
        String defaultPassword,
        Set<String> loopbackUsers,
        String logLevel,
        TlsSettings tls,
        int maxQueues,
        Durability durability,
        Duration flushInterval,
        int httpTlsPort,
        SslContext httpSslContext,
        boolean metricsPerQueue,
        boolean metricsAuth) {

    /** {@link #httpPort()} when none is configured. */
    static final int NO_PORT = -1;

    /** RabbitMQ's ceiling for {@code max_message_size}. */
    static final long MAX_MESSAGE_SIZE_CEILING = 512L << 20;

    ServerConfig {
        Objects.requireNonNull(dataDirectory, "dataDirectory");
        Objects.requireNonNull(amqp, "amqp");
        Objects.requireNonNull(httpHost, "httpHost");
        Objects.requireNonNull(consumerTimeout, "consumerTimeout");
        Objects.requireNonNull(defaultUser, "defaultUser");
        Objects.requireNonNull(defaultPassword, "defaultPassword");
        Objects.requireNonNull(logLevel, "logLevel");
        Objects.requireNonNull(durability, "durability");
        Objects.requireNonNull(flushInterval, "flushInterval");
        loopbackUsers = Set.copyOf(loopbackUsers);
    }

    /**
     * Validates one value for every key.
     *
     * @throws ConfigException naming the first key whose value does not do, where it came from, and why
     */
    static ServerConfig from(Map<ConfigKey, Setting> settings) {
        for (ConfigKey key : ConfigKey.values()) {
            if (!settings.containsKey(key)) {
                throw new IllegalArgumentException("no value for " + key.key());
            }
        }
        int plainPort = ConfigValues.optionalPort(
                ConfigKey.AMQP_PORT, settings.get(ConfigKey.AMQP_PORT), AmqpServerConfig.NO_PORT);
        int tlsPort = ConfigValues.optionalPort(
                ConfigKey.AMQP_TLS_PORT, settings.get(ConfigKey.AMQP_TLS_PORT), AmqpServerConfig.NO_PORT);
        if (plainPort == AmqpServerConfig.NO_PORT && tlsPort == AmqpServerConfig.NO_PORT) {
            throw ConfigException.invalid(
                    ConfigKey.AMQP_PORT,
                    settings.get(ConfigKey.AMQP_PORT),
                    "may be empty (no plain listener) only when amqp.tls.port is set");
        }
        if (tlsPort == plainPort && tlsPort > 0) {
            throw ConfigException.invalid(
                    ConfigKey.AMQP_TLS_PORT, settings.get(ConfigKey.AMQP_TLS_PORT), "must differ from amqp.port");
        }
        int httpPort = settings.get(ConfigKey.HTTP_PORT).value().isEmpty()
                ? NO_PORT
                : ConfigValues.port(ConfigKey.HTTP_PORT, settings.get(ConfigKey.HTTP_PORT));
        int httpTlsPort =
                ConfigValues.optionalPort(ConfigKey.HTTP_TLS_PORT, settings.get(ConfigKey.HTTP_TLS_PORT), NO_PORT);
        if (httpTlsPort == httpPort && httpTlsPort > 0) {
            throw ConfigException.invalid(
                    ConfigKey.HTTP_TLS_PORT, settings.get(ConfigKey.HTTP_TLS_PORT), "must differ from http.port");
        }
        ConfigKey wantsTls = tlsPort != AmqpServerConfig.NO_PORT
                ? ConfigKey.AMQP_TLS_PORT
                : httpTlsPort != NO_PORT ? ConfigKey.HTTP_TLS_PORT : null;
        TlsSettings tls = TlsKeys.settings(settings, wantsTls);
        SslContext sslContext = tls == null ? null : TlsKeys.context(tls, settings);
        AmqpServerConfig amqp = new AmqpServerConfig(
                ConfigValues.host(ConfigKey.AMQP_HOST, settings.get(ConfigKey.AMQP_HOST)),
                plainPort,
                ConfigValues.integer(
                        ConfigKey.AMQP_FRAME_MAX,
                        settings.get(ConfigKey.AMQP_FRAME_MAX),
                        AmqpServerConfig.MIN_FRAME_MAX,
                        Integer.MAX_VALUE),
                ConfigValues.integer(ConfigKey.AMQP_CHANNEL_MAX, settings.get(ConfigKey.AMQP_CHANNEL_MAX), 1, 65535),
                ConfigValues.integer(ConfigKey.AMQP_HEARTBEAT, settings.get(ConfigKey.AMQP_HEARTBEAT), 0, 65535),
                ConfigValues.bytes(
                        ConfigKey.AMQP_MAX_MESSAGE_SIZE,
                        settings.get(ConfigKey.AMQP_MAX_MESSAGE_SIZE),
                        1,
                        MAX_MESSAGE_SIZE_CEILING),
                ConfigValues.integer(
                        ConfigKey.AMQP_MAX_CONNECTIONS,
                        settings.get(ConfigKey.AMQP_MAX_CONNECTIONS),
                        0,
                        Integer.MAX_VALUE),
                tlsPort,
                tlsPort == AmqpServerConfig.NO_PORT ? null : sslContext,
                ConfigValues.integer(
                        ConfigKey.AMQP_HANDSHAKE_TIMEOUT,
                        settings.get(ConfigKey.AMQP_HANDSHAKE_TIMEOUT),
                        0,
                        Integer.MAX_VALUE));
        return new ServerConfig(
                ConfigValues.path(ConfigKey.DATA_DIR, settings.get(ConfigKey.DATA_DIR)),
                amqp,
                ConfigValues.host(ConfigKey.HTTP_HOST, settings.get(ConfigKey.HTTP_HOST)),
                httpPort,
                ConfigValues.fraction(ConfigKey.MEMORY_HIGH_WATERMARK, settings.get(ConfigKey.MEMORY_HIGH_WATERMARK)),
                ConfigValues.bytes(
                        ConfigKey.DISK_FREE_LIMIT, settings.get(ConfigKey.DISK_FREE_LIMIT), 0, Long.MAX_VALUE),
                ConfigValues.fraction(ConfigKey.PACING_CPU_LOAD, settings.get(ConfigKey.PACING_CPU_LOAD)),
                Duration.ofMillis(ConfigValues.integer(
                        ConfigKey.CONSUMER_TIMEOUT, settings.get(ConfigKey.CONSUMER_TIMEOUT), 0, Integer.MAX_VALUE)),
                ConfigValues.nonEmpty(ConfigKey.DEFAULT_USER_NAME, settings.get(ConfigKey.DEFAULT_USER_NAME)),
                ConfigValues.nonEmpty(ConfigKey.DEFAULT_USER_PASSWORD, settings.get(ConfigKey.DEFAULT_USER_PASSWORD)),
                ConfigValues.names(ConfigKey.LOOPBACK_USERS, settings.get(ConfigKey.LOOPBACK_USERS)),
                ConfigValues.logLevel(ConfigKey.LOG_LEVEL, settings.get(ConfigKey.LOG_LEVEL)),
                tls,
                ConfigValues.integer(ConfigKey.QUEUES_MAX, settings.get(ConfigKey.QUEUES_MAX), 0, Integer.MAX_VALUE),
                durability(settings.get(ConfigKey.DURABILITY)),
                Duration.ofMillis(ConfigValues.integer(
                        ConfigKey.DURABILITY_FLUSH_INTERVAL,
                        settings.get(ConfigKey.DURABILITY_FLUSH_INTERVAL),
                        1,
                        Integer.MAX_VALUE)),
                httpTlsPort,
                httpTlsPort == NO_PORT ? null : sslContext,
                ConfigValues.bool(ConfigKey.METRICS_PER_QUEUE, settings.get(ConfigKey.METRICS_PER_QUEUE)),
                ConfigValues.bool(ConfigKey.METRICS_AUTH, settings.get(ConfigKey.METRICS_AUTH)));
    }

    private static Durability durability(Setting s) {
        String name = ConfigValues.oneOf(
                ConfigKey.DURABILITY,
                s,
                Stream.of(Durability.values()).map(Durability::configName).toList());
        return Durability.fromConfigName(name);
    }

    /**
     * What the broker takes of it: the data directory, RabbitMQ's alarm thresholds, the pacing threshold, the consumer
     * timeout, the loopback users, the queue limit, the durability policy of durable queues.
     */
    BrokerConfig brokerConfig() {
        return BrokerConfig.of(dataDirectory)
                .withAlarms(memoryHighWatermark, diskFreeLimitBytes)
                .withPacingCpuLoad(pacingCpuLoad)
                .withConsumerTimeout(consumerTimeout)
                .withLoopbackUsers(loopbackUsers)
                .withMaxQueues(maxQueues)
                .withQueueDurability(durability, flushInterval);
    }

    /** Everything but the password. */
    @Override
    public String toString() {
        return "ServerConfig[dataDirectory=" + dataDirectory + ", amqp=" + amqp + ", httpHost=" + httpHost
                + ", httpPort=" + httpPort
                + ", memoryHighWatermark=" + memoryHighWatermark + ", diskFreeLimitBytes=" + diskFreeLimitBytes
                + ", pacingCpuLoad=" + pacingCpuLoad
                + ", consumerTimeout=" + consumerTimeout
                + ", defaultUser=" + defaultUser + ", loopbackUsers=" + loopbackUsers + ", logLevel=" + logLevel
                + ", tls=" + tls + ", maxQueues=" + maxQueues + ", durability=" + durability.configName()
                + ", flushInterval=" + flushInterval + ", httpTlsPort=" + httpTlsPort + ", metricsPerQueue="
                + metricsPerQueue + ", metricsAuth=" + metricsAuth + "]";
    }
}
