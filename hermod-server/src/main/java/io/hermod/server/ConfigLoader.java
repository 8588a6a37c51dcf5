package io.hermod.server;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Builds the server's configuration from its four layers, each overriding the one before: the defaults, the
 * configuration file ({@code --config}), the environment ({@code HERMOD_<KEY>}, see {@link ConfigKey}), and the
 * command-line flags. The only place in Hermod that reads files, environment variables or flags for configuration
 * (STYLE.md rule 10); everything it builds is handed on through constructors.
 */
final class ConfigLoader {

    /** Variables of the {@code ./hermod} script itself: not configuration keys, never warned about. */
    private static final Set<String> SCRIPT_VARIABLES = Set.of("HERMOD_JAVA_OPTS");

    private ConfigLoader() {}

    /**
     * The configuration for a command line in an environment.
     *
     * @throws ConfigException for an unreadable file, an unknown key in it, or the first invalid value (naming its key
     *     and where it came from)
     */
    static ServerConfig load(CommandLine commandLine, Map<String, String> environment) {
        Map<ConfigKey, Setting> settings = new EnumMap<>(ConfigKey.class);
        for (ConfigKey key : ConfigKey.values()) {
            settings.put(key, new Setting(key.defaultValue(), "default"));
        }
        if (commandLine.configFile() != null) {
            settings.putAll(ConfigFile.read(commandLine.configFile()));
        }
        for (ConfigKey key : ConfigKey.values()) {
            String value = environment.get(key.environmentVariable());
            if (value != null) {
                settings.put(key, new Setting(value.strip(), "environment variable " + key.environmentVariable()));
            }
        }
        settings.putAll(commandLine.overrides());
        return ServerConfig.from(settings);
    }

    /**
     * The {@code HERMOD_*} variables of {@code environment} that configure nothing: most likely misspelt keys. The
     * server warns about them rather than failing, since other tools share the environment and the prefix.
     */
    static List<String> unknownVariables(Map<String, String> environment) {
        Set<String> known = Stream.of(ConfigKey.values())
                .map(ConfigKey::environmentVariable)
                .collect(Collectors.toSet());
        return environment.keySet().stream()
                .filter(name -> name.startsWith("HERMOD_"))
                .filter(name -> !known.contains(name) && !SCRIPT_VARIABLES.contains(name))
                .sorted()
                .toList();
    }
}
