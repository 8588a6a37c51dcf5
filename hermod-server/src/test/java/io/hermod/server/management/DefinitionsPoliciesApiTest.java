package io.hermod.server.management;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import io.hermod.broker.definitions.PolicyDefinition;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Policies and operator policies in definitions files: exported as RabbitMQ does (operator policies as
 * {@code operator_policy} parameters), imported whole or not at all, keys Hermod does not apply dropped and named.
 */
@Timeout(60)
class DefinitionsPoliciesApiTest {

    @TempDir
    Path dir;

    @RegisterExtension
    final ManagementFixture server = new ManagementFixture();

    private static List<PolicyDefinition> policies(ManagementFixture f, String vhost) {
        return f.broker.vhost(vhost).orElseThrow().policies().stream()
                .sorted(Comparator.comparing(PolicyDefinition::name))
                .toList();
    }

    @Test
    void policies_and_operator_policies_export_and_import_into_a_fresh_broker() {
        server.put("/api/vhosts/shop", "{}");
        server.put(
                "/api/policies/shop/cap",
                "{\"pattern\":\"^orders\\\\.\",\"definition\":{\"max-length\":5,\"overflow\":\"reject-publish\"},"
                        + "\"priority\":2,\"apply-to\":\"queues\"}");
        server.put("/api/operator-policies/shop/ops", "{\"pattern\":\".*\",\"definition\":{\"message-ttl\":60000}}");

        ManagementFixture.Reply export = server.get("/api/definitions");
        JsonNode doc = export.json();
        assertThat(doc.get("policies")).singleElement().satisfies(p -> {
            assertThat(p.get("vhost").asText()).isEqualTo("shop");
            assertThat(p.get("name").asText()).isEqualTo("cap");
            assertThat(p.get("pattern").asText()).isEqualTo("^orders\\.");
            assertThat(p.get("apply-to").asText()).isEqualTo("queues");
            assertThat(p.get("priority").asInt()).isEqualTo(2);
            assertThat(p.get("definition").get("overflow").asText()).isEqualTo("reject-publish");
        });
        assertThat(doc.has("operator_policies")).isFalse(); // RabbitMQ's format has no such section
        assertThat(doc.get("parameters")).singleElement().satisfies(p -> {
            assertThat(p.get("component").asText()).isEqualTo("operator_policy");
            assertThat(p.get("vhost").asText()).isEqualTo("shop");
            assertThat(p.get("name").asText()).isEqualTo("ops");
            assertThat(p.get("value").get("definition").get("message-ttl").asLong())
                    .isEqualTo(60_000);
            assertThat(p.get("value").get("apply-to").asText()).isEqualTo("all");
        });

        try (ManagementFixture fresh = new ManagementFixture(dir.resolve("b"))) {
            ManagementFixture.Reply imported =
                    fresh.post("/api/definitions", export.raw().body());

            assertThat(imported.status()).isEqualTo(200);
            assertThat(imported.json().get("skipped").size()).isZero();
            assertThat(imported.json().get("imported").get("policies").asInt()).isEqualTo(1);
            assertThat(imported.json().get("imported").get("operator_policies").asInt())
                    .isEqualTo(1);
            assertThat(policies(fresh, "shop")).isEqualTo(policies(server, "shop"));
            JsonNode again = fresh.get("/api/definitions").json();
            assertThat(again.get("policies")).isEqualTo(doc.get("policies"));
            assertThat(again.get("parameters")).isEqualTo(doc.get("parameters"));
        }
    }

    @Test
    void a_vhost_export_carries_its_policies_without_vhost_into_another_vhost() {
        server.put("/api/vhosts/staging", "{}");
        server.put("/api/vhosts/production", "{}");
        server.put("/api/policies/staging/cap", "{\"pattern\":\"^q\",\"definition\":{\"max-length\":5}}");
        server.put("/api/operator-policies/staging/ops", "{\"pattern\":\".*\",\"definition\":{\"expires\":600000}}");

        ManagementFixture.Reply export = server.get("/api/definitions/staging");
        assertThat(export.json().get("policies").get(0).has("vhost")).isFalse();
        assertThat(export.json().get("parameters").get(0).has("vhost")).isFalse();
        ManagementFixture.Reply imported =
                server.post("/api/definitions/production", export.raw().body());

        assertThat(imported.status()).isEqualTo(200);
        assertThat(policies(server, "production"))
                .extracting(PolicyDefinition::name, PolicyDefinition::operator, PolicyDefinition::vhost)
                .containsExactly(tuple("cap", false, "production"), tuple("ops", true, "production"));
    }

    @Test
    void a_rabbitmq_export_imports_the_keys_hermod_applies_and_names_the_dropped_ones() throws Exception {
        ManagementFixture.Reply reply =
                server.post("/api/definitions", DefinitionsApiTest.fixture("rabbitmq-3.12-policies.json"));

        assertThat(reply.status()).isEqualTo(200);
        JsonNode imported = reply.json().get("imported");
        assertThat(imported.get("policies").asInt()).isEqualTo(2);
        assertThat(imported.get("operator_policies").asInt()).isEqualTo(1);
        JsonNode skipped = reply.json().get("skipped");
        assertThat(skipped.get("policies").asInt()).isEqualTo(2); // "locator": nothing left; quorum queues only
        assertThat(skipped.get("parameters").asInt()).isEqualTo(1); // vhost-limits
        assertThat(skipped.get("policy_keys")).hasSize(4);
        assertThat(skipped.get("policy_keys").get(0).get("name").asText()).isEqualTo("cap-invoices");
        assertThat(skipped.get("policy_keys").get(0).get("keys").get(0).asText())
                .isEqualTo("max-in-memory-length");
        assertThat(skipped.get("policy_keys").get(1).get("keys").toString())
                .isEqualTo("[\"ha-mode\",\"ha-sync-mode\"]");
        assertThat(skipped.get("policy_keys").get(1).get("policy").asText()).isEqualTo("imported without them");
        assertThat(skipped.get("policy_keys").get(2).get("policy").asText()).isEqualTo("skipped");
        assertThat(skipped.get("policy_keys").get(3).get("apply-to").asText()).isEqualTo("quorum_queues");
        assertThat(skipped.get("policy_keys").get(3).get("keys").get(0).asText())
                .isEqualTo("delivery-limit");

        List<PolicyDefinition> billing = policies(server, "billing");
        assertThat(billing)
                .extracting(PolicyDefinition::name)
                .containsExactly("cap-invoices", "classic-size", "ha-invoices");
        assertThat(billing.get(0).definition()).isEqualTo(Map.of("max-length", 3L));
        assertThat(billing.get(1).applyTo()).isEqualTo("queues"); // every Hermod queue is a classic one
        assertThat(billing.get(2).definition()).isEqualTo(Map.of("max-length", 5L, "message-ttl", 60_000L));
    }

    @Test
    void a_policys_consumer_timeout_is_imported_and_an_operator_policys_dropped_as_rabbitmq_takes_none() {
        String file = "{\"policies\":[{\"vhost\":\"/\",\"name\":\"slow\",\"pattern\":\"^reports$\","
                + "\"apply-to\":\"queues\",\"definition\":{\"consumer-timeout\":3600000}}],"
                + "\"parameters\":[{\"vhost\":\"/\",\"component\":\"operator_policy\",\"name\":\"ops\","
                + "\"value\":{\"pattern\":\".*\",\"definition\":{\"consumer-timeout\":60000,\"max-length\":9}}}]}";

        ManagementFixture.Reply reply = server.post("/api/definitions", file);

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().get("skipped").get("policy_keys"))
                .singleElement()
                .satisfies(k -> assertThat(k.get("keys").toString()).isEqualTo("[\"consumer-timeout\"]"));
        assertThat(policies(server, "/"))
                .extracting(PolicyDefinition::name, PolicyDefinition::definition)
                .containsExactly(
                        tuple("ops", Map.of("max-length", 9L)), tuple("slow", Map.of("consumer-timeout", 3_600_000L)));
    }

    @Test
    void an_invalid_policy_anywhere_in_a_file_is_a_400_before_anything_is_applied() {
        String file = "{\"vhosts\":[{\"name\":\"new\"}],"
                + "\"policies\":[{\"vhost\":\"new\",\"name\":\"ok\",\"pattern\":\".*\",\"definition\":{\"max-length\":1}},"
                + "{\"vhost\":\"new\",\"name\":\"bad\",\"pattern\":\"(\",\"definition\":{\"max-length\":1}}]}";

        ManagementFixture.Reply reply = server.post("/api/definitions", file);

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.json().get("error").asText()).isEqualTo("bad_request");
        assertThat(server.broker.vhost("new")).isEmpty();
        String unknownVhost = "{\"policies\":[{\"vhost\":\"nowhere\",\"name\":\"p\",\"pattern\":\".*\","
                + "\"definition\":{\"max-length\":1}}]}";
        assertThat(server.post("/api/definitions", unknownVhost).status()).isEqualTo(400);
        String badOperator = "{\"parameters\":[{\"vhost\":\"/\",\"component\":\"operator_policy\",\"name\":\"o\","
                + "\"value\":{\"pattern\":\".*\",\"definition\":{\"max-length\":\"x\"}}}]}";
        assertThat(server.post("/api/definitions", badOperator).status()).isEqualTo(400);
        assertThat(policies(server, "/")).isEmpty();
    }
}
