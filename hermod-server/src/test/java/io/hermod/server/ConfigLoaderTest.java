package io.hermod.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    @Test
    void without_a_file_the_defaults_are_rabbitmqs() {
        ServerConfig config = ConfigLoader.load(CommandLine.parse(), Map.of());

        assertThat(config.dataDirectory()).isEqualTo(Path.of("data"));
        assertThat(config.amqp().host()).isEqualTo("0.0.0.0");
        assertThat(config.amqp().port()).isEqualTo(5672);
        assertThat(config.amqp().frameMax()).isEqualTo(131_072);
        assertThat(config.amqp().channelMax()).isEqualTo(2047);
        assertThat(config.amqp().heartbeatSeconds()).isEqualTo(60);
        assertThat(config.amqp().maxMessageBytes()).isEqualTo(128L << 20);
        assertThat(config.httpHost()).isEqualTo("0.0.0.0");
        assertThat(config.httpPort()).isEqualTo(15672);
        assertThat(config.memoryHighWatermark()).isEqualTo(0.6);
        assertThat(config.diskFreeLimitBytes()).isEqualTo(50_000_000L);
        assertThat(config.brokerConfig().pacingCpuLoad()).isEqualTo(0.9);
        assertThat(config.consumerTimeout()).isEqualTo(Duration.ofMinutes(30));
        assertThat(config.brokerConfig().consumerTimeout()).isEqualTo(Duration.ofMinutes(30));
        assertThat(config.defaultUser()).isEqualTo("guest");
        assertThat(config.defaultPassword()).isEqualTo("guest");
        assertThat(config.loopbackUsers()).containsExactly("guest");
        assertThat(config.logLevel()).isEqualTo("info");
    }

    @Test
    void a_file_sets_every_key() throws IOException {
        Path file = write("""
                # a full configuration
                data.dir = /var/lib/hermod

                amqp.host = 127.0.0.1
                amqp.port = 5673
                amqp.frame_max = 65536
                amqp.channel_max = 16
                amqp.heartbeat = 0
                amqp.max_message_size = 16MiB
                http.port = 15673
                alarms.memory_high_watermark = 0.4
                alarms.disk_free_limit = 2GB
                pacing.cpu_load = 0.75
                consumer_timeout = 60000
                default_user.name = admin
                default_user.password = s3cr=t#1
                loopback_users = guest, admin
                log.level = WARN
                """);

        ServerConfig config = ConfigLoader.load(CommandLine.parse("--config", file.toString()), Map.of());

        assertThat(config.dataDirectory()).isEqualTo(Path.of("/var/lib/hermod"));
        assertThat(config.amqp().host()).isEqualTo("127.0.0.1");
        assertThat(config.amqp().port()).isEqualTo(5673);
        assertThat(config.amqp().frameMax()).isEqualTo(65536);
        assertThat(config.amqp().channelMax()).isEqualTo(16);
        assertThat(config.amqp().heartbeatSeconds()).isZero();
        assertThat(config.amqp().maxMessageBytes()).isEqualTo(16L << 20);
        assertThat(config.httpPort()).isEqualTo(15673);
        assertThat(config.memoryHighWatermark()).isEqualTo(0.4);
        assertThat(config.diskFreeLimitBytes()).isEqualTo(2_000_000_000L);
        assertThat(config.brokerConfig().pacingCpuLoad()).isEqualTo(0.75);
        assertThat(config.brokerConfig().consumerTimeout()).isEqualTo(Duration.ofMinutes(1));
        assertThat(config.defaultUser()).isEqualTo("admin");
        assertThat(config.defaultPassword()).isEqualTo("s3cr=t#1");
        assertThat(config.loopbackUsers()).containsExactlyInAnyOrder("guest", "admin");
        assertThat(config.logLevel()).isEqualTo("warn");
        assertThat(config.toString()).doesNotContain("s3cr=t#1");
    }

    @Test
    void the_environment_overrides_the_file_and_flags_override_both() throws IOException {
        Path file = write("amqp.port = 1111\ndata.dir = from-file\nalarms.disk_free_limit = 1GB\n");
        Map<String, String> env = Map.of("HERMOD_AMQP_PORT", "2222", "HERMOD_DATA_DIR", "from-env");

        ServerConfig config = ConfigLoader.load(
                CommandLine.parse("--config", file.toString(), "--amqp-port=3333", "--http-port", "8080"), env);

        assertThat(config.amqp().port()).isEqualTo(3333);
        assertThat(config.dataDirectory()).isEqualTo(Path.of("from-env"));
        assertThat(config.diskFreeLimitBytes()).isEqualTo(1_000_000_000L);
        assertThat(config.httpPort()).isEqualTo(8080);
        assertThat(ConfigLoader.load(CommandLine.parse("--data", "from-flag"), env)
                        .dataDirectory())
                .isEqualTo(Path.of("from-flag"));
    }

    @Test
    void every_key_has_an_environment_variable() {
        ServerConfig config = ConfigLoader.load(
                CommandLine.parse(),
                Map.of(
                        "HERMOD_AMQP_MAX_MESSAGE_SIZE", "1024",
                        "HERMOD_ALARMS_MEMORY_HIGH_WATERMARK", "0",
                        "HERMOD_PACING_CPU_LOAD", "0",
                        "HERMOD_DEFAULT_USER_NAME", "ops",
                        "HERMOD_LOOPBACK_USERS", "",
                        "HERMOD_LOG_LEVEL", "debug"));

        assertThat(config.amqp().maxMessageBytes()).isEqualTo(1024);
        assertThat(config.memoryHighWatermark()).isZero();
        assertThat(config.pacingCpuLoad()).isZero();
        assertThat(config.defaultUser()).isEqualTo("ops");
        assertThat(config.loopbackUsers()).isEmpty();
        assertThat(config.logLevel()).isEqualTo("debug");
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "amqp.port             | 65536   | must be an integer in [0, 65535]",
                "amqp.port             | five    | must be an integer in [0, 65535]",
                "amqp.host             | ''      | must not be empty",
                "amqp.host             | [::1    | is not an address",
                "amqp.frame_max        | 4095    | must be an integer in [4096, 2147483647]",
                "amqp.channel_max      | 0       | must be an integer in [1, 65535]",
                "amqp.heartbeat        | -1      | must be an integer in [0, 65535]",
                "amqp.max_message_size | 0       | must be a size in [1, 536870912] bytes",
                "amqp.max_message_size | 1GiB    | must be a size in [1, 536870912] bytes",
                "amqp.max_message_size | 10 TB   | with a unit (kB, MB, GB, KiB, MiB, GiB)",
                "http.port             | -2      | must be an integer in [0, 65535]",
                "alarms.memory_high_watermark | 1.5 | must be a number in [0, 1]",
                "alarms.memory_high_watermark | 60% | must be a number in [0, 1]",
                "pacing.cpu_load       | 1.01    | must be a number in [0, 1]",
                "pacing.cpu_load       | -0.5    | must be a number in [0, 1]",
                "alarms.disk_free_limit | 99999999999999999999 | must be a size of at least 0 bytes",
                "consumer_timeout      | -1      | must be an integer in [0, 2147483647]",
                "consumer_timeout      | 30m     | must be an integer in [0, 2147483647]",
                "data.dir              | ''      | must not be empty",
                "default_user.name     | ''      | must not be empty",
                "default_user.password | ''      | must not be empty",
                "loopback_users        | guest,,x | with none empty",
                "log.level             | verbose | must be one of trace, debug, info, warn, error, off",
            })
    void an_invalid_value_fails_naming_its_key_line_and_problem(String key, String value, String problem)
            throws IOException {
        Path file = write("# line 1\n" + key + " = " + value + "\n");

        assertThatThrownBy(() -> ConfigLoader.load(CommandLine.parse("--config", file.toString()), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file + " line 2: " + key + ": ")
                .hasMessageContaining(problem);
    }

    @Test
    void an_invalid_environment_value_names_the_variable_and_the_key() {
        assertThatThrownBy(() -> ConfigLoader.load(CommandLine.parse(), Map.of("HERMOD_AMQP_CHANNEL_MAX", "lots")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("environment variable HERMOD_AMQP_CHANNEL_MAX: amqp.channel_max: must be an integer in [1,"
                        + " 65535], got 'lots'");
    }

    @Test
    void an_invalid_flag_names_the_flag_and_the_key() {
        assertThatThrownBy(() -> ConfigLoader.load(CommandLine.parse("--http-port", "http"), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--http-port: http.port: must be an integer in [0, 65535], got 'http'");
    }

    @Test
    void a_bad_password_is_not_echoed() {
        assertThatThrownBy(() -> ConfigLoader.load(CommandLine.parse(), Map.of("HERMOD_DEFAULT_USER_PASSWORD", "")))
                .hasMessage("environment variable HERMOD_DEFAULT_USER_PASSWORD: default_user.password: must not be"
                        + " empty");
    }

    @Test
    void an_unknown_key_fails_naming_it_and_its_line() throws IOException {
        Path file = write("amqp.port = 5672\namqp.prot = 5673\n");

        assertThatThrownBy(() -> ConfigLoader.load(CommandLine.parse("--config", file.toString()), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file + " line 2: unknown key 'amqp.prot' (the keys are: data.dir, amqp.host,");
    }

    @Test
    void a_key_given_twice_or_a_line_without_equals_fails() throws IOException {
        Path twice = write("amqp.port = 5672\n\namqp.port = 5673\n");
        Path noEquals = write("amqp.port 5672\n");

        assertThatThrownBy(() -> ConfigLoader.load(CommandLine.parse("--config", twice.toString()), Map.of()))
                .hasMessage(twice + " line 3: amqp.port: already set at " + twice + " line 1");
        assertThatThrownBy(() -> ConfigLoader.load(CommandLine.parse("--config", noEquals.toString()), Map.of()))
                .hasMessage(noEquals + " line 1: expected 'key = value', got 'amqp.port 5672'");
    }

    @Test
    void a_missing_file_fails_naming_it() {
        Path missing = dir.resolve("missing.conf");

        assertThatThrownBy(() -> ConfigLoader.load(CommandLine.parse("--config", missing.toString()), Map.of()))
                .hasMessage("the configuration file " + missing + " does not exist");
    }

    @Test
    void unknown_hermod_variables_are_reported_and_others_ignored() {
        Map<String, String> env =
                Map.of("HERMOD_AMQP_PROT", "1", "HERMOD_AMQP_PORT", "1", "HERMOD_JAVA_OPTS", "-Xmx1g", "PATH", "/bin");

        assertThat(ConfigLoader.unknownVariables(env)).containsExactly("HERMOD_AMQP_PROT");
    }

    @Test
    void environment_variable_names_follow_the_keys() {
        assertThat(ConfigKey.AMQP_PORT.environmentVariable()).isEqualTo("HERMOD_AMQP_PORT");
        assertThat(ConfigKey.MEMORY_HIGH_WATERMARK.environmentVariable())
                .isEqualTo("HERMOD_ALARMS_MEMORY_HIGH_WATERMARK");
        assertThat(Set.of(ConfigKey.values()).stream().map(ConfigKey::environmentVariable))
                .doesNotHaveDuplicates();
    }

    private Path write(String text) throws IOException {
        return Files.writeString(Files.createTempFile(dir, "hermod", ".conf"), text);
    }
}
