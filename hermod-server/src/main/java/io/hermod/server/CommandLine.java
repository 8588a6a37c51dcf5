package io.hermod.server;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

/**
 * The server's command line: {@code --config FILE}, the flags that override single keys ({@code --data DIR},
 * {@code --amqp-port N}, {@code --amqp-tls-port N}, {@code --http-port N}) and {@code --help}. Each option takes its value as the next argument
 * or after {@code =}. Anything else fails with a message naming it.
 *
 * @param help whether {@code --help} (or {@code -h}) was given
 * @param configFile the configuration file, or null for none
 * @param overrides the values the flags set, by key (validated with the rest of the configuration)
 */
record CommandLine(boolean help, Path configFile, Map<ConfigKey, Setting> overrides) {

    /** The flags that set one key each. */
    private static final Map<String, ConfigKey> FLAGS = Map.of(
            "--data", ConfigKey.DATA_DIR,
            "--amqp-port", ConfigKey.AMQP_PORT,
            "--amqp-tls-port", ConfigKey.AMQP_TLS_PORT,
            "--http-port", ConfigKey.HTTP_PORT);

    CommandLine {
        overrides = Map.copyOf(overrides);
    }

    /**
     * Parses {@code args}.
     *
     * @throws ConfigException for an unknown option, a missing value, a positional argument or an option given twice
     */
    static CommandLine parse(String... args) {
        boolean help = false;
        Path configFile = null;
        Map<ConfigKey, Setting> overrides = new EnumMap<>(ConfigKey.class);
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                help = true;
                continue;
            }
            int eq = arg.indexOf('=');
            String name = arg.startsWith("--") && eq > 0 ? arg.substring(0, eq) : arg;
            if (!name.equals("--config") && !FLAGS.containsKey(name)) {
                throw new ConfigException(
                        arg.startsWith("-")
                                ? "unknown option '" + name + "' (see --help)"
                                : "unexpected argument '" + arg + "' (see --help)");
            }
            String value;
            if (eq > 0 && arg.startsWith("--")) {
                value = arg.substring(eq + 1);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new ConfigException(name + " needs a value (see --help)");
            }
            if (name.equals("--config")) {
                if (configFile != null) {
                    throw new ConfigException("--config given twice");
                }
                configFile = configPath(value);
            } else if (overrides.put(FLAGS.get(name), new Setting(value, name)) != null) {
                throw new ConfigException(name + " given twice");
            }
        }
        return new CommandLine(help, configFile, overrides);
    }

    private static Path configPath(String value) {
        try {
            if (!value.isEmpty()) {
                return Path.of(value);
            }
        } catch (InvalidPathException e) {
            // reported below
        }
        throw new ConfigException("--config: not a file name: '" + value + "'");
    }

    /** What {@code --help} prints: the options, then every configuration key with its default. */
    static String usage() {
        StringBuilder text = new StringBuilder("""
                Usage: hermod server [options]

                Starts the Hermod broker with its AMQP 0-9-1 listener and its management HTTP API, and runs until
                SIGTERM or SIGINT (then it stops accepting, closes connections with CONNECTION_FORCED, and closes the
                broker, which flushes and checkpoints its logs).

                Options (each overrides the configuration file and the environment):
                  --config FILE     read the configuration from FILE ('key = value' lines; see below)
                  --data DIR        data directory (data.dir)
                  --amqp-port N     AMQP port (amqp.port); 0 picks a free one
                  --amqp-tls-port N AMQP over TLS port (amqp.tls.port, usually 5671); needs tls.cert_file and
                                    tls.key_file
                  --http-port N     management HTTP API port (http.port); 0 picks a free one
                  -h, --help        print this help

                Configuration keys, each also settable by an environment variable (amqp.port: HERMOD_AMQP_PORT).
                Precedence: flags > environment > configuration file > defaults.
                """);
        for (ConfigKey key : ConfigKey.values()) {
            text.append(String.format(
                    "  %-29s %-8s %s%n",
                    key.key(), key.defaultValue().isEmpty() ? "(none)" : key.defaultValue(), key.description()));
        }
        text.append("""

                Durability: with the default 'durability = fsync-always' a publisher confirm means the message is on
                stable storage (fsynced) in every durable queue it reached. With 'fsync-interval' or 'os' a confirm
                means only that the operating system has the message: it survives the server process crashing, but a
                power loss or an OS crash LOSES CONFIRMED MESSAGES (those of the last durability.flush_interval ms
                under fsync-interval; whatever the OS had not yet written back under os).

                Once started it prints 'Hermod started: AMQP 0-9-1 on HOST:PORT, management HTTP on HOST:PORT, ...'
                on standard output (with 'AMQP 0-9-1 over TLS on HOST:PORT' too, or alone, when there is a TLS
                listener).
                Exit status: 0 after --help, 2 for a configuration or usage error, 1 when starting fails, 143 (SIGTERM)
                or 130 (SIGINT) after a graceful shutdown.
                """);
        return text.toString();
    }
}
