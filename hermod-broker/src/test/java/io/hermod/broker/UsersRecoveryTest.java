package io.hermod.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.broker.definitions.DefinitionsLog;
import io.hermod.broker.definitions.PermissionDefinition;
import io.hermod.broker.definitions.UserDefinition;
import io.hermod.storage.LogStore;
import io.hermod.storage.LogStoreConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Users and permissions persist with the definitions: a restart replays them from the definitions log, or from a
 * snapshot of it, and a blank broker's default user is made once, never again.
 */
@Timeout(60)
class UsersRecoveryTest {

    @TempDir
    Path dir;

    private BrokerFixture fixture;
    private Broker broker;

    @BeforeEach
    void setUp() {
        fixture = new BrokerFixture(dir);
        broker = fixture.start();
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private void restart() {
        broker = fixture.restart();
    }

    /** Users, some permissions in two vhosts, and changes to them that replay must repeat. */
    private void makeUsersAndPermissions() {
        broker.addVhost("staging");
        broker.addUser("app", "app-pw", List.of("management"));
        broker.addUser("ops", "ops-pw", List.of("administrator", "monitoring"));
        broker.addUser("gone", "gone-pw", List.of());
        broker.setPermissions("/", "app", "^app\\.", ".*", "^app\\.");
        broker.setPermissions("staging", "app", "", "", "");
        broker.setPermissions("staging", "ops", ".*", ".*", ".*");
        broker.setPermissions("/", "ops", ".*", ".*", ".*");
        broker.setPermissions("/", "gone", ".*", ".*", ".*");
        broker.clearPermissions("/", "ops");
        broker.addUser("app", "app-pw-2", List.of("management"));
        broker.deleteUser("gone");
    }

    @Test
    void usersAndPermissionsSurviveARestart() {
        // Given
        makeUsersAndPermissions();
        List<UserDefinition> users = broker.users();
        List<PermissionDefinition> permissions = broker.permissions();

        // When
        restart();

        // Then
        assertThat(broker.users()).isEqualTo(users);
        assertThat(broker.permissions()).isEqualTo(permissions);
        assertThat(broker.authenticate("app", "app-pw-2", false)).contains("app");
        assertThat(broker.authenticate("app", "app-pw", false)).isEmpty();
        assertThat(broker.authenticate("gone", "gone-pw", false)).isEmpty();
        assertThat(broker.connect("staging", "c", "ops", true).user()).isEqualTo("ops");
        BrokerFixture.assertFails(ErrorCode.ACCESS_REFUSED, () -> broker.connect("/", "c", "ops", true));
        Channel app = broker.connect("/", "c", "app", true).openChannel();
        app.declareQueue(QueueSpec.durable("app.q"));
        BrokerFixture.assertFails(ErrorCode.ACCESS_REFUSED, () -> app.declareQueue(QueueSpec.durable("other")));
    }

    @Test
    void theDefaultUserIsMadeOnTheFirstStartOnly() {
        // Given an operator who deleted guest, as RabbitMQ's guide recommends
        broker.deleteUser("guest");

        // When
        restart();
        restart();

        // Then guest does not come back
        assertThat(broker.users()).isEmpty();
        assertThat(broker.authenticate("guest", "guest", true)).isEmpty();
    }

    @Test
    void usersAndPermissionsSurviveASnapshot() {
        // Given users and permissions, then enough other changes to pass the snapshot threshold (1 MiB) several times
        makeUsersAndPermissions();
        List<UserDefinition> users = broker.users();
        List<PermissionDefinition> permissions = broker.permissions();
        Channel ch = fixture.channel();
        String padding = "p".repeat(64 << 10);
        int changes = 12;
        for (int i = 0; i < 60; i++) {
            ch.declareExchange(new ExchangeSpec("x-" + i, "direct", true, false, false, Map.of("x-pad", padding)));
            ch.deleteExchange("x-" + i, false);
            changes += 2;
        }
        broker.close();
        assertThat(storedDefinitionRecords())
                .as("a snapshot replaced the older records")
                .isLessThan(changes);

        // When
        broker = fixture.start();

        // Then what the snapshot held is what was there
        assertThat(broker.users()).isEqualTo(users);
        assertThat(broker.permissions()).isEqualTo(permissions);
        assertThat(broker.authenticate("ops", "ops-pw", false)).contains("ops");
    }

    /** The records a broker would replay from the definitions log now (the broker must be closed). */
    private int storedDefinitionRecords() {
        try (LogStore store = LogStore.open(LogStoreConfig.of(dir));
                DefinitionsLog log = DefinitionsLog.open(store, "definitions", Runnable::run)) {
            return log.load().size();
        }
    }
}
