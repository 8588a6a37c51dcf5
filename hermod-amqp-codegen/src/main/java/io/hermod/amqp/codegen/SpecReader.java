package io.hermod.amqp.codegen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads RabbitMQ's machine-readable AMQP spec ({@code amqp-rabbitmq-0.9.1.json}, the rabbitmq-codegen format) into a
 * {@link Spec}: domains resolved to wire types, names to Java names. Anything unexpected fails the build.
 *
 * <p>Threading: stateless.
 */
final class SpecReader {

    private SpecReader() {}

    static Spec read(Path file) throws IOException {
        return parse(new ObjectMapper().readTree(file.toFile()));
    }

    static Spec parse(JsonNode root) {
        Map<String, WireType> domains = new HashMap<>();
        for (JsonNode domain : required(root, "domains")) {
            domains.put(domain.get(0).asText(), WireType.of(domain.get(1).asText()));
        }
        List<Spec.Constant> constants = new ArrayList<>();
        for (JsonNode c : required(root, "constants")) {
            constants.add(new Spec.Constant(
                    required(c, "name").asText(),
                    required(c, "value").asInt(),
                    c.has("class") ? c.get("class").asText() : null));
        }
        List<Spec.SpecClass> classes = new ArrayList<>();
        for (JsonNode c : required(root, "classes")) {
            classes.add(readClass(c, domains));
        }
        return new Spec(
                required(root, "major-version").asInt(),
                required(root, "minor-version").asInt(),
                required(root, "revision").asInt(),
                required(root, "port").asInt(),
                List.copyOf(constants),
                List.copyOf(classes));
    }

    private static Spec.SpecClass readClass(JsonNode c, Map<String, WireType> domains) {
        String className = required(c, "name").asText();
        List<Spec.Field> properties = new ArrayList<>();
        if (c.has("properties")) {
            for (JsonNode p : c.get("properties")) {
                properties.add(readField(p, domains, className));
            }
        }
        List<Spec.Method> methods = new ArrayList<>();
        Spec.SpecClass specClass =
                new Spec.SpecClass(className, required(c, "id").asInt(), properties, methods);
        for (JsonNode m : required(c, "methods")) {
            String methodName = required(m, "name").asText();
            List<Spec.Field> arguments = new ArrayList<>();
            for (JsonNode a : required(m, "arguments")) {
                arguments.add(readField(a, domains, className + "." + methodName));
            }
            methods.add(new Spec.Method(
                    specClass,
                    methodName,
                    required(m, "id").asInt(),
                    m.path("synchronous").asBoolean(false),
                    m.path("content").asBoolean(false),
                    List.copyOf(arguments),
                    Names.recordName(className, methodName)));
        }
        return specClass;
    }

    private static Spec.Field readField(JsonNode f, Map<String, WireType> domains, String where) {
        String name = required(f, "name").asText();
        // A field names either a base type or a domain; the spec is not consistent (basic.consume's ticket uses
        // "domain": "short"), so both are looked up the same way.
        String domain = f.has("domain") ? f.get("domain").asText() : null;
        WireType type;
        if (f.has("type")) {
            type = WireType.of(f.get("type").asText());
        } else if (domain != null && domains.containsKey(domain)) {
            type = domains.get(domain);
        } else {
            throw new IllegalArgumentException("field " + where + "." + name + " has no known type or domain");
        }
        boolean binary = Names.isBinary(name);
        if (binary && type != WireType.LONGSTR) {
            throw new IllegalArgumentException("binary field " + where + "." + name + " is not a longstr");
        }
        String defaultValue = f.has("default-value") ? f.get("default-value").toString() : null;
        return new Spec.Field(name, domain, type, binary, defaultValue, Names.componentName(name));
    }

    private static JsonNode required(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new IllegalArgumentException("spec element lacks '" + field + "': " + node);
        }
        return value;
    }
}
