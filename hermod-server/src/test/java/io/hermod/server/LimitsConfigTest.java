package io.hermod.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hermod.broker.BrokerConfig;
import io.hermod.storage.Durability;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The limit keys ({@code amqp.max_connections}, {@code queues.max}) and the durability keys ({@code durability},
 * {@code durability.flush_interval}): their defaults, that they reach the AMQP listener and the broker, and that
 * invalid values name the key.
 */
@Timeout(60)
class LimitsConfigTest {

    @TempDir
    Path dir;

    @Test
    void by_default_there_are_no_limits_and_every_confirm_is_fsynced() {
        ServerConfig config = ConfigLoader.load(CommandLine.parse(), Map.of());

        assertThat(config.amqp().maxConnections()).isZero();
        assertThat(config.maxQueues()).isZero();
        assertThat(config.brokerConfig().maxQueues()).isEqualTo(BrokerConfig.NO_QUEUE_LIMIT);
        assertThat(config.brokerConfig().queueDurability()).isEqualTo(Durability.FSYNC_ALWAYS);
        assertThat(config.brokerConfig().queueFlushInterval()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void the_keys_reach_the_listener_and_the_broker() {
        ServerConfig config = ConfigLoader.load(
                CommandLine.parse(),
                Map.of(
                        "HERMOD_AMQP_MAX_CONNECTIONS", "100",
                        "HERMOD_QUEUES_MAX", "5000",
                        "HERMOD_DURABILITY", "fsync-interval",
                        "HERMOD_DURABILITY_FLUSH_INTERVAL", "200"));

        assertThat(config.amqp().maxConnections()).isEqualTo(100);
        assertThat(config.brokerConfig().maxQueues()).isEqualTo(5000);
        assertThat(config.brokerConfig().queueDurability()).isEqualTo(Durability.FSYNC_INTERVAL);
        assertThat(config.brokerConfig().queueFlushInterval()).isEqualTo(Duration.ofMillis(200));
    }

    @Test
    void a_started_server_applies_them_to_its_broker() {
        ServerConfig config = ConfigLoader.load(
                CommandLine.parse("--data", dir.resolve("data").toString(), "--amqp-port", "0"),
                Map.of("HERMOD_AMQP_HOST", "127.0.0.1", "HERMOD_DURABILITY", "os", "HERMOD_QUEUES_MAX", "7"));

        try (HermodServer server = HermodServer.start(config)) {
            assertThat(server.broker().config().queueDurability()).isEqualTo(Durability.OS);
            assertThat(server.broker().config().maxQueues()).isEqualTo(7);
        }
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "HERMOD_AMQP_MAX_CONNECTIONS      | -1            | amqp.max_connections: must be an integer in [0,",
                "HERMOD_AMQP_MAX_CONNECTIONS      | infinity      | amqp.max_connections: must be an integer in [0,",
                "HERMOD_QUEUES_MAX                | lots          | queues.max: must be an integer in [0,",
                "HERMOD_DURABILITY                | fsync         | durability: must be one of fsync-always,"
                        + " fsync-interval, os",
                "HERMOD_DURABILITY                | FSYNC-ALWAYS  | durability: must be one of",
                "HERMOD_DURABILITY_FLUSH_INTERVAL | 0             | durability.flush_interval: must be an integer in [1,",
                "HERMOD_DURABILITY_FLUSH_INTERVAL | 1s            | durability.flush_interval: must be an integer",
                "HERMOD_AMQP_TLS_PORT             | 70000         | amqp.tls.port: must be an integer in [0, 65535]",
            })
    void an_invalid_value_names_its_key(String variable, String value, String problem) {
        assertThatThrownBy(() -> ConfigLoader.load(CommandLine.parse(), Map.of(variable, value)))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("environment variable " + variable + ": ")
                .hasMessageContaining(problem);
    }
}
