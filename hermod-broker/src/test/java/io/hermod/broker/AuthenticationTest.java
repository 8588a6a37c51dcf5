package io.hermod.broker;

import static io.hermod.broker.BrokerFixture.assertFails;
import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.broker.definitions.PermissionDefinition;
import io.hermod.broker.definitions.UserDefinition;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Users and logins as RabbitMQ's internal backend has them: a blank broker's {@code guest}, loopback users
 * ({@code loopback_users}), salted password hashes, and the admin API's checks.
 */
@Timeout(30)
class AuthenticationTest {

    @TempDir
    Path dir;

    private Broker broker;

    @AfterEach
    void tearDown() {
        if (broker != null) {
            broker.close();
        }
    }

    private Broker open(BrokerConfig config) {
        broker = Broker.open(config);
        return broker;
    }

    private Broker open() {
        return open(BrokerConfig.of(dir).withThreads(2));
    }

    @Test
    void aBlankBrokerHasGuestAsAnAdministratorWithEveryPermissionOnTheDefaultVhost() {
        open();

        assertThat(broker.users()).extracting(UserDefinition::name).containsExactly("guest");
        assertThat(broker.users().get(0).tags()).containsExactly("administrator");
        assertThat(broker.permissions()).containsExactly(new PermissionDefinition("/", "guest", ".*", ".*", ".*"));
    }

    @Test
    void guestLogsInFromLoopbackOnly() {
        open();

        assertThat(broker.authenticate("guest", "guest", true)).contains("guest");
        assertThat(broker.authenticate("guest", "guest", false)).isEmpty();
    }

    @Test
    void withoutLoopbackUsersGuestLogsInFromAnywhere() {
        open(BrokerConfig.of(dir).withThreads(2).withLoopbackUsers(Set.of()));

        assertThat(broker.authenticate("guest", "guest", false)).contains("guest");
    }

    @Test
    void anAddedUserLogsInWithItsPasswordFromAnywhere() {
        open();
        broker.addUser("app", "s3cret", List.of("monitoring"));

        assertThat(broker.authenticate("app", "s3cret", false)).contains("app");
        assertThat(broker.authenticate("app", "s3cret", true)).contains("app");
        assertThat(broker.authenticate("app", "S3cret", true)).isEmpty();
        assertThat(broker.authenticate("app", "", true)).isEmpty();
        assertThat(broker.authenticate("nobody", "s3cret", true)).isEmpty();
        assertThat(broker.authenticate("app", "s3cret".getBytes(StandardCharsets.UTF_8), false))
                .contains("app");
    }

    @Test
    void aBlankPasswordNeverLogsIn() {
        // as rabbit_auth_backend_internal: a user may have one, but a login with it is refused
        open();
        broker.addUser("blank", "", List.of());

        assertThat(broker.authenticate("blank", "", true)).isEmpty();
    }

    @Test
    void passwordsAreKeptAsSaltedHashes() {
        open();
        broker.addUser("a", "same", List.of());
        broker.addUser("b", "same", List.of());

        UserDefinition a = broker.users().get(0);
        UserDefinition b = broker.users().get(1);
        assertThat(a.passwordHash()).isNotEqualTo(b.passwordHash());
        assertThat(a.passwordHash().verify("same".getBytes(StandardCharsets.UTF_8)))
                .isTrue();
        assertThat(a.passwordHash().toBase64()).doesNotContain("same");
    }

    @Test
    void addingAUserAgainReplacesItsPasswordAndTagsAndKeepsItsPermissions() {
        open();
        broker.addUser("app", "old", List.of("management"));
        broker.setPermissions("/", "app", "", ".*", ".*");

        broker.addUser("app", "new", List.of());

        assertThat(broker.authenticate("app", "old", true)).isEmpty();
        assertThat(broker.authenticate("app", "new", true)).contains("app");
        assertThat(broker.users())
                .filteredOn(u -> u.name().equals("app"))
                .singleElement()
                .satisfies(u -> assertThat(u.tags()).isEmpty());
        assertThat(broker.permissions()).contains(new PermissionDefinition("/", "app", "", ".*", ".*"));
    }

    @Test
    void aDeletedUserNoLongerLogsIn() {
        open();
        broker.addUser("app", "pw", List.of());

        broker.deleteUser("app");
        broker.deleteUser("app"); // no-op

        assertThat(broker.authenticate("app", "pw", true)).isEmpty();
        assertThat(broker.users()).extracting(UserDefinition::name).containsExactly("guest");
    }

    @Test
    void setPermissionsNeedsAnExistingVhostAndUserAndValidPatterns() {
        open();
        broker.addUser("app", "pw", List.of());

        assertFails(ErrorCode.NOT_FOUND, () -> broker.setPermissions("nowhere", "app", ".*", ".*", ".*"));
        assertFails(ErrorCode.NOT_FOUND, () -> broker.setPermissions("/", "nobody", ".*", ".*", ".*"));
        assertFails(ErrorCode.PRECONDITION_FAILED, () -> broker.setPermissions("/", "app", "(", ".*", ".*"));
        assertFails(ErrorCode.PRECONDITION_FAILED, () -> broker.setPermissions("/", "app", ".*", "[", ".*"));
        assertFails(ErrorCode.PRECONDITION_FAILED, () -> broker.setPermissions("/", "app", ".*", ".*", "*"));
        assertFails(ErrorCode.PRECONDITION_FAILED, () -> broker.addUser("", "pw", List.of()));
        assertThat(broker.permissions()).extracting(PermissionDefinition::user).containsOnly("guest");

        broker.clearPermissions("/", "app"); // none to clear: a no-op
    }
}
