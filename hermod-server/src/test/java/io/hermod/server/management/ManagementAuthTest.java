package io.hermod.server.management;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Who may do what: basic auth against the broker's users, RabbitMQ's tags, loopback users. */
@Timeout(60)
class ManagementAuthTest {

    @RegisterExtension
    final ManagementFixture server = new ManagementFixture();

    @BeforeEach
    void start() {
        server.broker.addUser("monitor", "pw", List.of("monitoring"));
        server.broker.addUser("manager", "pw", List.of("management"));
        server.broker.addUser("nobody", "pw", List.of());
        server.broker.addVhost("other");
        server.broker.setPermissions("other", "manager", ".*", ".*", ".*");
    }

    @Test
    void missing_credentials_get_401_with_a_basic_challenge() {
        ManagementFixture.Reply reply = server.send("GET", "/api/overview", null, null, null);

        assertThat(reply.status()).isEqualTo(401);
        assertThat(reply.raw().headers().firstValue("WWW-Authenticate"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("Basic realm="));
        assertThat(reply.json().get("error").asText()).isEqualTo("not_authorised");
    }

    @Test
    void a_wrong_password_gets_401() {
        assertThat(server.get("/api/overview", "guest", "wrong").status()).isEqualTo(401);
        assertThat(server.get("/api/overview", "ghost", "guest").status()).isEqualTo(401);
    }

    @Test
    void a_user_without_management_tags_gets_403() {
        ManagementFixture.Reply reply = server.get("/api/overview", "nobody", "pw");

        assertThat(reply.status()).isEqualTo(403);
        assertThat(reply.json().get("reason").asText()).isEqualTo("Not management user");
    }

    @Test
    void only_administrators_see_users_permissions_and_definitions() {
        for (String path : List.of("/api/users", "/api/permissions", "/api/definitions")) {
            assertThat(server.get(path, "monitor", "pw").status()).as(path).isEqualTo(403);
            assertThat(server.get(path, "manager", "pw").status()).as(path).isEqualTo(403);
            assertThat(server.get(path).status()).as(path).isEqualTo(200);
        }
        assertThat(server.send("PUT", "/api/vhosts/new", "{}", "monitor", "pw").status())
                .isEqualTo(403);
        assertThat(server.broker.vhostNames()).doesNotContain("new");
    }

    @Test
    void a_management_user_sees_only_the_vhosts_it_has_permissions_in() {
        ManagementFixture.Reply vhosts = server.get("/api/vhosts", "manager", "pw");

        assertThat(vhosts.status()).isEqualTo(200);
        assertThat(vhosts.json().findValuesAsText("name")).containsExactly("other");
        assertThat(server.get("/api/queues/%2F", "manager", "pw").status()).isEqualTo(403);
        assertThat(server.get("/api/queues/other", "manager", "pw").status()).isEqualTo(200);
    }

    @Test
    void monitoring_reads_every_vhost_but_changes_nothing_without_permissions() {
        assertThat(server.get("/api/vhosts", "monitor", "pw").json().findValuesAsText("name"))
                .containsExactly("/", "other");
        assertThat(server.get("/api/queues/%2F", "monitor", "pw").status()).isEqualTo(200);

        ManagementFixture.Reply declare = server.send("PUT", "/api/queues/%2F/q", "{}", "monitor", "pw");

        assertThat(declare.status()).isEqualTo(403);
        assertThat(server.broker.vhost("/").orElseThrow().queueNames()).doesNotContain("q");
    }

    @Test
    void guest_is_refused_from_a_non_loopback_address_as_over_amqp() {
        ManagementApi api = ManagementApi.create(server.broker, server.amqp, List::of);
        String guest = "Basic Z3Vlc3Q6Z3Vlc3Q="; // guest:guest
        Map<String, String> headers = Map.of("Authorization", guest);

        ApiResponse remote = api.handle("GET", "/api/overview", headers::get, new byte[0], false);
        ApiResponse local = api.handle("GET", "/api/overview", headers::get, new byte[0], true);

        assertThat(remote.status()).isEqualTo(401);
        assertThat(local.status()).isEqualTo(200);
    }

    @Test
    void the_node_view_is_for_monitoring_and_shows_memory_and_disk_against_their_limits() {
        assertThat(server.get("/api/nodes", "manager", "pw").status()).isEqualTo(403);

        ManagementFixture.Reply nodes = server.get("/api/nodes", "monitor", "pw");

        assertThat(nodes.status()).isEqualTo(200);
        JsonNode node = nodes.json().get(0);
        assertThat(node.get("running").asBoolean()).isTrue();
        assertThat(node.get("mem_used").asLong()).isPositive();
        assertThat(node.get("mem_limit").asLong())
                .isEqualTo((long) (Runtime.getRuntime().maxMemory() * 0.6));
        assertThat(node.get("disk_free").asLong()).isPositive();
        assertThat(node.get("disk_free_limit").asLong()).isEqualTo(50_000_000L);
        assertThat(node.get("mem_alarm").asBoolean()).isFalse();
        assertThat(server.get("/api/nodes/" + node.get("name").asText(), "monitor", "pw")
                        .status())
                .isEqualTo(200);
        assertThat(server.get("/api/nodes/rabbit@elsewhere", "monitor", "pw").status())
                .isEqualTo(404);
    }

    @Test
    void whoami_names_the_user_and_its_tags() {
        ManagementFixture.Reply reply = server.get("/api/whoami", "monitor", "pw");

        assertThat(reply.json().get("name").asText()).isEqualTo("monitor");
        assertThat(reply.json().get("tags").get(0).asText()).isEqualTo("monitoring");
    }
}
