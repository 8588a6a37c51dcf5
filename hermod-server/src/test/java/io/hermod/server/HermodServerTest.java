package io.hermod.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class HermodServerTest {

    @TempDir
    Path dir;

    @Test
    void a_new_data_directory_gets_the_configured_default_user_instead_of_guest() {
        ServerConfig config = config(Map.of("HERMOD_DEFAULT_USER_NAME", "admin", "HERMOD_DEFAULT_USER_PASSWORD", "pw"));

        try (HermodServer server = HermodServer.start(config)) {
            assertThat(server.amqpPort()).isPositive();
            assertThat(server.broker().authenticate("admin", "pw", false)).contains("admin");
            assertThat(server.broker().authenticate("guest", "guest", true)).isEmpty();
            assertThat(server.broker().permissions())
                    .anySatisfy(p -> assertThat(p.user()).isEqualTo("admin"));
        }
    }

    @Test
    void the_default_user_applies_to_a_new_data_directory_only() {
        try (HermodServer server = HermodServer.start(config(Map.of()))) {
            assertThat(server.broker().authenticate("guest", "guest", true)).contains("guest");
        }

        ServerConfig changed =
                config(Map.of("HERMOD_DEFAULT_USER_NAME", "admin", "HERMOD_DEFAULT_USER_PASSWORD", "pw"));
        try (HermodServer server = HermodServer.start(changed)) {
            assertThat(server.broker().authenticate("guest", "guest", true)).contains("guest");
            assertThat(server.broker().authenticate("admin", "pw", true)).isEmpty();
        }
    }

    @Test
    void a_new_guest_password_replaces_the_well_known_one() {
        try (HermodServer server = HermodServer.start(config(Map.of("HERMOD_DEFAULT_USER_PASSWORD", "not-guest")))) {
            assertThat(server.broker().authenticate("guest", "guest", true)).isEmpty();
            assertThat(server.broker().authenticate("guest", "not-guest", true)).contains("guest");
        }
    }

    @Test
    void the_alarm_thresholds_and_loopback_users_reach_the_broker() {
        ServerConfig config = config(Map.of(
                "HERMOD_ALARMS_MEMORY_HIGH_WATERMARK", "0.5",
                "HERMOD_ALARMS_DISK_FREE_LIMIT", "1GiB",
                "HERMOD_LOOPBACK_USERS", ""));

        try (HermodServer server = HermodServer.start(config)) {
            assertThat(server.broker().config().memoryHighWatermark()).isEqualTo(0.5);
            assertThat(server.broker().config().diskFreeLimitBytes()).isEqualTo(1L << 30);
            assertThat(server.broker().authenticate("guest", "guest", false)).contains("guest");
        }
    }

    @Test
    void close_is_idempotent() {
        HermodServer server = HermodServer.start(config(Map.of()));
        server.close();
        server.close();
    }

    private ServerConfig config(Map<String, String> environment) {
        Map<String, String> env = new HashMap<>(environment);
        env.put("HERMOD_AMQP_HOST", "127.0.0.1");
        env.put("HERMOD_HTTP_HOST", "127.0.0.1");
        return ConfigLoader.load(
                CommandLine.parse("--data", dir.resolve("data").toString(), "--amqp-port", "0", "--http-port", "0"),
                env);
    }
}
