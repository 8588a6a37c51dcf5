package io.hermod.server.management;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hermod.broker.Broker;
import io.hermod.broker.ExchangeSpec;
import io.hermod.broker.QueueSpec;
import io.hermod.broker.definitions.PasswordHash;
import io.hermod.broker.definitions.PolicyDefinition;
import io.hermod.broker.definitions.UserDefinition;
import io.hermod.broker.exchange.ExchangeType;
import io.hermod.broker.queue.QueueArguments;
import io.hermod.broker.queue.QueuePolicies;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A definitions file (RabbitMQ's format, https://www.rabbitmq.com/docs/definitions) read whole and checked before
 * anything is applied: malformed JSON, a missing field, a value of the wrong type, an unsupported password hashing
 * algorithm, an invalid permission pattern or queue argument, an unknown exchange type, or a reference to a vhost,
 * user, exchange or queue that neither the file nor the broker has, an invalid policy, are all a 400 with nothing
 * changed. Then vhosts, users, permissions, operator policies, policies, exchanges, queues and bindings are applied in
 * that order (policies before the queues they shape, as RabbitMQ does); a refusal the broker can only make while
 * applying (a queue declared with other arguments than an existing one) stops the import there, as it does RabbitMQ's.
 *
 * <p>Operator policies come, as RabbitMQ exports them, as {@code parameters} of component {@code operator_policy}.
 * Of a policy's definition only the keys Hermod applies are imported; the answer's {@code skipped.policy_keys} names
 * the others, per policy, and a policy left with none is skipped ({@code skipped.policies} counts those). Sections and
 * parameters Hermod does not have (other parameters, global parameters, topic permissions, and any other) are
 * skipped, and the answer says how many entries of each were.
 *
 * <p>Threading: an immutable value once parsed; {@link #apply} from one thread.
 */
final class DefinitionsImport {

    private static final Logger LOG = LoggerFactory.getLogger(DefinitionsImport.class);

    /** The runtime parameter component RabbitMQ exports operator policies as. */
    static final String OPERATOR_POLICY = "operator_policy";

    private static final Set<String> SECTIONS =
            Set.of("users", "vhosts", "permissions", "parameters", "policies", "queues", "exchanges", "bindings");
    /** What a one-vhost file imports. */
    private static final Set<String> VHOST_SECTIONS =
            Set.of("parameters", "policies", "queues", "exchanges", "bindings");
    /** Top-level fields that describe the file rather than define anything. */
    private static final Set<String> INFORMATION = Set.of(
            "rabbit_version",
            "rabbitmq_version",
            "product_name",
            "product_version",
            "rabbitmq_definition_format",
            "original_cluster_name",
            "explanation");

    record User(String name, PasswordHash hash, List<String> tags) {}

    record Permission(String user, String vhost, String configure, String write, String read) {}

    record Queue(String vhost, QueueSpec spec) {}

    record Exchange(String vhost, ExchangeSpec spec) {}

    record Binding(
            String vhost,
            String source,
            boolean toQueue,
            String destination,
            String routingKey,
            Map<String, Object> arguments) {}

    private final List<String> vhosts = new ArrayList<>();
    private final List<User> users = new ArrayList<>();
    private final List<Permission> permissions = new ArrayList<>();
    private final List<Exchange> exchanges = new ArrayList<>();
    private final List<Queue> queues = new ArrayList<>();
    private final List<Binding> bindings = new ArrayList<>();
    private final List<PolicyDefinition> policies = new ArrayList<>();
    private final List<PolicyDefinition> operatorPolicies = new ArrayList<>();
    private final Map<String, Object> skipped = new LinkedHashMap<>();
    /** Per policy whose definition had keys Hermod does not apply: which were dropped. */
    private final List<Map<String, Object>> droppedPolicyKeys = new ArrayList<>();

    private int skippedParameters;
    private int skippedPolicies;

    private DefinitionsImport() {}

    /**
     * Reads and checks a definitions document against itself and the broker's current definitions.
     *
     * @param intoVhost null for a whole-broker file; else the vhost a one-vhost file ({@code POST
     *     /api/definitions/{vhost}}) goes into: its entries' own vhost fields are ignored, and users, vhosts and
     *     permissions are not a vhost's to import (skipped)
     *
     * @throws ApiException 400 naming the first problem
     */
    static DefinitionsImport parse(JsonNode document, Broker broker, String intoVhost) {
        if (!(document instanceof ObjectNode root)) {
            throw ApiException.badRequest("a definitions file is a JSON object");
        }
        DefinitionsImport d = new DefinitionsImport();
        Set<String> sections = intoVhost == null ? SECTIONS : VHOST_SECTIONS;
        Iterator<Map.Entry<String, JsonNode>> fields = root.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            if (!sections.contains(f.getKey()) && !INFORMATION.contains(f.getKey())) { // parameters: below
                int count = f.getValue().isArray() || f.getValue().isObject()
                        ? f.getValue().size()
                        : 1;
                if (count > 0) {
                    d.skipped.put(f.getKey(), count);
                }
            }
        }
        for (ObjectNode v : section(root, "vhosts", sections)) {
            d.vhosts.add(Json.requiredText(v, "name"));
        }
        for (ObjectNode u : section(root, "users", sections)) {
            String name = Json.requiredText(u, "name");
            d.users.add(new User(name, UserResource.passwordHash(u), UserResource.tags(u.get("tags"))));
        }
        for (ObjectNode p : section(root, "permissions", sections)) {
            d.permissions.add(new Permission(
                    Json.requiredText(p, "user"),
                    Json.requiredText(p, "vhost"),
                    pattern(p, "configure"),
                    pattern(p, "write"),
                    pattern(p, "read")));
        }
        for (ObjectNode p : section(root, "parameters", sections)) {
            if (!OPERATOR_POLICY.equals(Json.text(p, "component", null))) {
                d.skippedParameters++;
                continue;
            }
            JsonNode value = p.get("value");
            if (!(value instanceof ObjectNode policy)) {
                throw ApiException.badRequest("operator policy parameter: 'value' must be an object");
            }
            d.policy(PolicyResource.parse(vhost(p, intoVhost), Json.requiredText(p, "name"), policy, true));
        }
        for (ObjectNode p : section(root, "policies", sections)) {
            d.policy(PolicyResource.parse(vhost(p, intoVhost), Json.requiredText(p, "name"), p, false));
        }
        if (d.skippedParameters > 0) {
            d.skipped.put("parameters", d.skippedParameters);
        }
        if (d.skippedPolicies > 0) {
            d.skipped.put("policies", d.skippedPolicies);
        }
        if (!d.droppedPolicyKeys.isEmpty()) {
            d.skipped.put("policy_keys", d.droppedPolicyKeys);
        }
        for (ObjectNode x : section(root, "exchanges", sections)) {
            String type = Json.requiredText(x, "type");
            if (ExchangeType.byName(type).isEmpty()) {
                throw ApiException.badRequest(
                        "exchange '" + Json.requiredText(x, "name") + "': unknown type '" + type + "'");
            }
            d.exchanges.add(new Exchange(
                    vhost(x, intoVhost),
                    new ExchangeSpec(
                            Json.requiredText(x, "name"),
                            type,
                            Json.bool(x, "durable", true),
                            Json.bool(x, "auto_delete", false),
                            Json.bool(x, "internal", false),
                            Json.table(x.get("arguments")))));
        }
        for (ObjectNode q : section(root, "queues", sections)) {
            String vhost = vhost(q, intoVhost);
            String name = Json.requiredText(q, "name");
            Map<String, Object> arguments = Json.table(q.get("arguments"));
            QueueArguments.validate(vhost, name, arguments); // a BrokerException: 400 before anything is applied
            d.queues.add(new Queue(
                    vhost,
                    new QueueSpec(
                            name,
                            Json.bool(q, "durable", true),
                            false,
                            Json.bool(q, "auto_delete", false),
                            arguments)));
        }
        for (ObjectNode b : section(root, "bindings", sections)) {
            String type = Json.requiredText(b, "destination_type");
            if (!type.equals("queue") && !type.equals("exchange")) {
                throw ApiException.badRequest("destination_type must be queue or exchange, not '" + type + "'");
            }
            d.bindings.add(new Binding(
                    vhost(b, intoVhost),
                    Json.requiredText(b, "source"),
                    type.equals("queue"),
                    Json.requiredText(b, "destination"),
                    Json.text(b, "routing_key", ""),
                    Json.table(b.get("arguments"))));
        }
        d.checkReferences(broker);
        return d;
    }

    /**
     * Takes a policy with the keys of its definition Hermod applies, noting the others (RabbitMQ's {@code ha-mode},
     * {@code queue-master-locator}, federation...) as skipped: refusing the file would refuse every export of a
     * broker that ever used them. A policy left with no key is skipped whole. What remains is checked as
     * {@code PUT /api/policies} would check it.
     */
    private void policy(PolicyDefinition read) {
        String applyTo = read.applyTo();
        if (applyTo.equals("quorum_queues") || applyTo.equals("streams")) { // RabbitMQ 3.12's: Hermod has neither
            Map<String, Object> note = note(read, List.copyOf(read.definition().keySet()), true);
            note.put("apply-to", applyTo);
            droppedPolicyKeys.add(note);
            skippedPolicies++;
            return;
        }
        if (applyTo.equals("classic_queues")) {
            applyTo = "queues"; // every queue of Hermod's is a classic queue
        }
        Set<String> applied = QueuePolicies.keys(read.operator());
        Map<String, Object> kept = new LinkedHashMap<>();
        List<String> dropped = new ArrayList<>();
        read.definition().forEach((key, value) -> {
            if (applied.contains(key)) {
                kept.put(key, value);
            } else {
                dropped.add(key);
            }
        });
        if (!dropped.isEmpty()) {
            droppedPolicyKeys.add(note(read, dropped, kept.isEmpty()));
        }
        if (kept.isEmpty()) {
            skippedPolicies++;
            return;
        }
        PolicyDefinition policy = new PolicyDefinition(
                read.vhost(), read.name(), read.pattern(), applyTo, read.priority(), kept, read.operator());
        QueuePolicies.validate(policy); // a BrokerException: 400 before anything is applied
        (policy.operator() ? operatorPolicies : policies).add(policy);
    }

    /** What {@code skipped.policy_keys} says of a policy: the keys not imported, and whether the rest was. */
    private static Map<String, Object> note(PolicyDefinition read, List<String> dropped, boolean skipped) {
        Map<String, Object> note = new LinkedHashMap<>();
        note.put("vhost", read.vhost());
        note.put("name", read.name());
        note.put("operator", read.operator());
        note.put("keys", dropped);
        note.put("policy", skipped ? "skipped" : "imported without them");
        return note;
    }

    private static String vhost(ObjectNode entry, String intoVhost) {
        return intoVhost != null ? intoVhost : Json.requiredText(entry, "vhost");
    }

    /** The entries of a section; none when the section is absent or not one this import takes. */
    private static List<ObjectNode> section(ObjectNode root, String name, Set<String> sections) {
        JsonNode node = root.get(name);
        if (node == null || node.isNull() || !sections.contains(name)) {
            return List.of();
        }
        if (!node.isArray()) {
            throw ApiException.badRequest("'" + name + "' must be a list");
        }
        List<ObjectNode> entries = new ArrayList<>();
        for (JsonNode entry : node) {
            if (!(entry instanceof ObjectNode object)) {
                throw ApiException.badRequest("every entry of '" + name + "' must be an object");
            }
            entries.add(object);
        }
        return entries;
    }

    private static String pattern(ObjectNode permission, String field) {
        String pattern = Json.requiredText(permission, field);
        try {
            Pattern.compile(pattern);
        } catch (PatternSyntaxException e) {
            throw ApiException.badRequest("permission " + field + " '" + pattern + "' is not a regular expression");
        }
        return pattern;
    }

    /** Every name the file refers to exists in the file or the broker. */
    private void checkReferences(Broker broker) {
        Set<String> knownVhosts = new HashSet<>(broker.vhostNames());
        knownVhosts.addAll(vhosts);
        Set<String> knownUsers = new HashSet<>();
        broker.users().stream().map(UserDefinition::name).forEach(knownUsers::add);
        users.forEach(u -> knownUsers.add(u.name()));
        for (Permission p : permissions) {
            requireVhost(knownVhosts, p.vhost(), "permission of user '" + p.user() + "'");
            if (!knownUsers.contains(p.user())) {
                throw ApiException.badRequest("permission for user '" + p.user() + "', who is not defined");
            }
        }
        for (PolicyDefinition p : operatorPolicies) {
            requireVhost(knownVhosts, p.vhost(), "operator policy '" + p.name() + "'");
        }
        for (PolicyDefinition p : policies) {
            requireVhost(knownVhosts, p.vhost(), "policy '" + p.name() + "'");
        }
        Set<String> knownExchanges = new HashSet<>();
        Set<String> knownQueues = new HashSet<>();
        for (String vhost : knownVhosts) {
            broker.vhost(vhost).ifPresent(v -> {
                v.exchangeNames().forEach(x -> knownExchanges.add(vhost + "\u0000" + x));
                v.queueNames().forEach(q -> knownQueues.add(vhost + "\u0000" + q));
            });
            for (String predeclared :
                    List.of("", "amq.direct", "amq.fanout", "amq.topic", "amq.headers", "amq.match")) {
                knownExchanges.add(vhost + "\u0000" + predeclared);
            }
        }
        for (Exchange x : exchanges) {
            requireVhost(knownVhosts, x.vhost(), "exchange '" + x.spec().name() + "'");
            knownExchanges.add(x.vhost() + "\u0000" + x.spec().name());
        }
        for (Queue q : queues) {
            requireVhost(knownVhosts, q.vhost(), "queue '" + q.spec().name() + "'");
            knownQueues.add(q.vhost() + "\u0000" + q.spec().name());
        }
        for (Binding b : bindings) {
            requireVhost(knownVhosts, b.vhost(), "binding from '" + b.source() + "'");
            if (!knownExchanges.contains(b.vhost() + "\u0000" + b.source())) {
                throw ApiException.badRequest(
                        "binding source exchange '" + b.source() + "' in vhost '" + b.vhost() + "' is not defined");
            }
            Set<String> destinations = b.toQueue() ? knownQueues : knownExchanges;
            if (!destinations.contains(b.vhost() + "\u0000" + b.destination())) {
                throw ApiException.badRequest("binding destination " + (b.toQueue() ? "queue" : "exchange") + " '"
                        + b.destination() + "' in vhost '" + b.vhost() + "' is not defined");
            }
        }
    }

    private static void requireVhost(Set<String> known, String vhost, String what) {
        if (!known.contains(vhost)) {
            throw ApiException.badRequest(what + " refers to vhost '" + vhost + "', which is not defined");
        }
    }

    /** Applies the definitions; returns what was imported and what skipped, by section. */
    Map<String, Object> apply(ManagementContext context) {
        Broker broker = context.broker();
        vhosts.forEach(broker::addVhost);
        users.forEach(u -> broker.addUser(u.name(), u.hash(), u.tags()));
        permissions.forEach(p -> broker.setPermissions(p.vhost(), p.user(), p.configure(), p.write(), p.read()));
        operatorPolicies.forEach(broker::setPolicy);
        policies.forEach(broker::setPolicy);
        for (Exchange x : exchanges) {
            context.trusted(x.vhost(), channel -> channel.declareExchange(x.spec()));
        }
        for (Queue q : queues) {
            context.trusted(q.vhost(), channel -> channel.declareQueue(q.spec()));
        }
        for (Binding b : bindings) {
            context.trusted(b.vhost(), channel -> {
                if (b.toQueue()) {
                    channel.bindQueue(b.destination(), b.source(), b.routingKey(), b.arguments());
                } else {
                    channel.bindExchange(b.destination(), b.source(), b.routingKey(), b.arguments());
                }
                return null;
            });
        }
        if (!skipped.isEmpty()) {
            LOG.warn("Definitions import skipped what Hermod does not have: {}", skipped);
        }
        Map<String, Object> imported = new LinkedHashMap<>();
        imported.put("vhosts", vhosts.size());
        imported.put("users", users.size());
        imported.put("permissions", permissions.size());
        imported.put("operator_policies", operatorPolicies.size());
        imported.put("policies", policies.size());
        imported.put("exchanges", exchanges.size());
        imported.put("queues", queues.size());
        imported.put("bindings", bindings.size());
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("status", "ok");
        answer.put("imported", imported);
        answer.put("skipped", skipped);
        return answer;
    }
}
