package io.hermod.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hermod.server.management.PathSegments;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The operator commands, in the spirit of {@code rabbitmqadmin}, over the management HTTP API:
 * {@code ./hermod queues|exchanges|publish|get|definitions export|import}. See {@link #USAGE}.
 *
 * <p>Exit status: 0 on success, 1 when the API refuses or cannot be reached (the message says which request and
 * why), 2 for a usage error.
 */
public final class Admin {

    static final String USAGE = """
            Usage: hermod COMMAND [options]

            Commands (over the management HTTP API):
              queues                          list queues (name, messages, ready, unacked, consumers)
              exchanges                       list exchanges
              publish --routing-key K [--exchange X] [--payload P] [--persistent]
                                              publish one message (the payload from standard input when not given)
              get --queue Q [--count N] [--ackmode M] [--encoding auto|base64]
                                              show up to N messages; ackmode ack_requeue_true (the default: they
                                              stay), ack_requeue_false, reject_requeue_true, reject_requeue_false
              definitions export [FILE]       write the definitions (JSON) to FILE, or standard output
              definitions import FILE         load a definitions file (Hermod's or a RabbitMQ export)

            Options:
              --host H        management API host (localhost)
              --port N        management API port (15672)
              --user U        user (guest)
              --password P    password (guest)
              --vhost V       vhost for queues, exchanges, publish and get (all vhosts for the lists; / otherwise)
            """;

    private static final int EXIT_FAILED = 1;
    private static final int EXIT_USAGE = 2;
    private static final Set<String> FLAGS = Set.of("--persistent");

    private Admin() {}

    public static void main(String[] args) {
        System.exit(run(args, System.in, System.out, System.err));
    }

    /** Runs one command; returns the exit status. */
    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        Map<String, String> options = new HashMap<>();
        List<String> positional = new ArrayList<>();
        try {
            parse(args, options, positional);
            if (positional.isEmpty() || options.containsKey("--help")) {
                out.print(USAGE);
                return positional.isEmpty() && !options.containsKey("--help") ? EXIT_USAGE : 0;
            }
            AdminClient client = new AdminClient(
                    options.getOrDefault("--host", "localhost"),
                    port(options.getOrDefault("--port", "15672")),
                    options.getOrDefault("--user", "guest"),
                    options.getOrDefault("--password", "guest"));
            AdminCommands commands = new AdminCommands(client, options, in, out);
            String command = positional.getFirst();
            switch (command) {
                case "queues" -> commands.queues();
                case "exchanges" -> commands.exchanges();
                case "publish" -> commands.publish();
                case "get" -> commands.get();
                case "definitions" -> definitions(commands, positional);
                default -> throw new UsageException("unknown command '" + command + "'");
            }
            return 0;
        } catch (UsageException e) {
            err.println("hermod: " + e.getMessage() + " (see ./hermod help)");
            return EXIT_USAGE;
        } catch (AdminException e) {
            err.println("hermod: " + e.getMessage());
            return EXIT_FAILED;
        }
    }

    private static void definitions(AdminCommands commands, List<String> positional) {
        String action = positional.size() > 1 ? positional.get(1) : "";
        switch (action) {
            case "export" -> commands.exportDefinitions(positional.size() > 2 ? positional.get(2) : "-");
            case "import" -> {
                if (positional.size() < 3) {
                    throw new UsageException("definitions import needs a FILE");
                }
                commands.importDefinitions(positional.get(2));
            }
            default -> throw new UsageException("definitions export [FILE] or definitions import FILE");
        }
    }

    private static void parse(String[] args, Map<String, String> options, List<String> positional) {
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("-h") || arg.equals("--help")) {
                options.put("--help", "");
            } else if (FLAGS.contains(arg)) {
                options.put(arg, "true");
            } else if (arg.startsWith("--")) {
                int eq = arg.indexOf('=');
                if (eq > 0) {
                    options.put(arg.substring(0, eq), arg.substring(eq + 1));
                } else if (i + 1 < args.length) {
                    options.put(arg, args[++i]);
                } else {
                    throw new UsageException(arg + " needs a value");
                }
            } else {
                positional.add(arg);
            }
        }
    }

    private static int port(String value) {
        try {
            int port = Integer.parseInt(value);
            if (port > 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException("--port must be a port number, not '" + value + "'");
    }

    /** A command line that does not make sense. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message, null, false, false);
        }
    }

    /** The commands themselves, each one API call and a printout. */
    private record AdminCommands(AdminClient client, Map<String, String> options, InputStream in, PrintStream out) {

        private String vhost() {
            return options.getOrDefault("--vhost", "/");
        }

        private String vhostPath(String collection) {
            String vhost = options.get("--vhost");
            return "/api/" + collection + (vhost == null ? "" : "/" + PathSegments.encode(vhost));
        }

        void queues() {
            Table table = new Table(List.of("vhost", "name", "messages", "ready", "unacked", "consumers", "durable"));
            for (JsonNode q : client.get(vhostPath("queues"))) {
                table.row(List.of(
                        q.path("vhost").asText(),
                        q.path("name").asText(),
                        q.path("messages").asText(),
                        q.path("messages_ready").asText(),
                        q.path("messages_unacknowledged").asText(),
                        q.path("consumers").asText(),
                        q.path("durable").asText()));
            }
            table.print(out);
        }

        void exchanges() {
            Table table = new Table(List.of("vhost", "name", "type", "durable", "auto_delete", "internal"));
            for (JsonNode x : client.get(vhostPath("exchanges"))) {
                table.row(List.of(
                        x.path("vhost").asText(),
                        x.path("name").asText().isEmpty()
                                ? "(AMQP default)"
                                : x.path("name").asText(),
                        x.path("type").asText(),
                        x.path("durable").asText(),
                        x.path("auto_delete").asText(),
                        x.path("internal").asText()));
            }
            table.print(out);
        }

        void publish() {
            String routingKey = options.get("--routing-key");
            if (routingKey == null) {
                throw new UsageException("publish needs --routing-key");
            }
            String exchange = options.getOrDefault("--exchange", "");
            String payload = options.get("--payload");
            if (payload == null) {
                try {
                    payload = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new AdminException("cannot read the payload from standard input: " + e.getMessage());
                }
            }
            ObjectNode body = AdminClient.MAPPER.createObjectNode();
            body.put("routing_key", routingKey);
            body.put("payload", payload);
            body.put("payload_encoding", "string");
            ObjectNode properties = body.putObject("properties");
            if (options.containsKey("--persistent")) {
                properties.put("delivery_mode", 2);
            }
            String path = "/api/exchanges/" + PathSegments.encode(vhost()) + "/"
                    + PathSegments.encode(exchange.isEmpty() ? "amq.default" : exchange) + "/publish";
            JsonNode answer = client.post(path, body.toString());
            out.println(answer.path("routed").asBoolean() ? "Message published" : "Message published but NOT routed");
        }

        void get() {
            String queue = options.get("--queue");
            if (queue == null) {
                throw new UsageException("get needs --queue");
            }
            ObjectNode body = AdminClient.MAPPER.createObjectNode();
            body.put("count", count(options.getOrDefault("--count", "1")));
            body.put("ackmode", options.getOrDefault("--ackmode", "ack_requeue_true"));
            body.put("encoding", options.getOrDefault("--encoding", "auto"));
            String path = "/api/queues/" + PathSegments.encode(vhost()) + "/" + PathSegments.encode(queue) + "/get";
            Table table = new Table(List.of(
                    "routing_key",
                    "exchange",
                    "message_count",
                    "payload",
                    "payload_bytes",
                    "payload_encoding",
                    "redelivered"));
            JsonNode messages = client.post(path, body.toString());
            for (JsonNode m : messages) {
                table.row(List.of(
                        m.path("routing_key").asText(),
                        m.path("exchange").asText(),
                        m.path("message_count").asText(),
                        m.path("payload").asText(),
                        m.path("payload_bytes").asText(),
                        m.path("payload_encoding").asText(),
                        m.path("redelivered").asText()));
            }
            if (messages.isEmpty()) {
                out.println("No messages in queue '" + queue + "'");
            } else {
                table.print(out);
            }
        }

        private static int count(String value) {
            try {
                return Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw new UsageException("--count must be a number, not '" + value + "'");
            }
        }

        void exportDefinitions(String file) {
            JsonNode definitions = client.get("/api/definitions");
            String json = definitions.toPrettyString();
            if (file.equals("-")) {
                out.println(json);
                return;
            }
            try {
                Files.writeString(Path.of(file), json + "\n", StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new AdminException("cannot write " + file + ": " + e.getMessage());
            }
            out.println("Exported definitions to " + file);
        }

        void importDefinitions(String file) {
            String json;
            try {
                json = Files.readString(Path.of(file), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new AdminException("cannot read " + file + ": " + e.getMessage());
            }
            JsonNode answer = client.post("/api/definitions", json);
            out.println("Imported definitions from " + file);
            JsonNode skipped = answer.path("skipped");
            if (skipped.isObject() && !skipped.isEmpty()) {
                List<String> parts = new ArrayList<>();
                skipped.fields().forEachRemaining(f -> {
                    if (!f.getValue().isArray()) {
                        parts.add(f.getKey() + " (" + f.getValue().asText() + ")");
                    }
                });
                out.println("Skipped (not supported by Hermod): " + String.join(", ", parts));
                for (JsonNode policy : skipped.path("policy_keys")) { // the keys dropped from each policy
                    List<String> keys = new ArrayList<>();
                    policy.path("keys").forEach(k -> keys.add(k.asText()));
                    out.println("  " + (policy.path("operator").asBoolean() ? "operator policy '" : "policy '")
                            + policy.path("name").asText() + "' in vhost '"
                            + policy.path("vhost").asText() + "': "
                            + String.join(", ", keys)
                            + (policy.has("apply-to")
                                    ? " (apply-to " + policy.path("apply-to").asText() + ")"
                                    : "")
                            + ", " + policy.path("policy").asText());
                }
            }
        }
    }
}
