package io.hermod.server;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reads the server's configuration file: flat {@code key = value} lines, as RabbitMQ's {@code rabbitmq.conf}.
 *
 * <pre>
 * # comments start a line; blank lines are ignored
 * data.dir = /var/lib/hermod
 * amqp.port = 5672
 * alarms.disk_free_limit = 1GB
 * </pre>
 *
 * <p>Why this format rather than YAML or HOCON: operators coming from RabbitMQ know it; every key is one line, so a key
 * maps one to one onto its environment variable ({@code HERMOD_AMQP_PORT}) and its flag, and an error can name the key
 * and its line; it needs no library (none to load at startup, none to keep patched). Nesting and lists, which YAML would
 * add, are not needed by any key the server has.
 *
 * <p>Strict where {@link java.util.Properties} is lenient: a line without {@code =}, an unknown key and a key given twice
 * fail, naming the line. Only a line's first {@code =} separates, and {@code #} starts a comment only at the start of a
 * line, so values (passwords) may contain both. UTF-8.
 */
final class ConfigFile {

    private ConfigFile() {}

    /** The settings in {@code file}, by key. */
    static Map<ConfigKey, Setting> read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException("the configuration file " + file + " does not exist");
        } catch (CharacterCodingException e) {
            throw new ConfigException(file + ": not UTF-8 text");
        } catch (IOException e) {
            throw new ConfigException("cannot read the configuration file " + file + ": " + e);
        }
        return parse(lines, file.toString());
    }

    /** The settings in {@code lines}; {@code name} names the file in errors. */
    static Map<ConfigKey, Setting> parse(List<String> lines, String name) {
        Map<ConfigKey, Setting> settings = new EnumMap<>(ConfigKey.class);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            String where = name + " line " + (i + 1);
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 0) {
                throw new ConfigException(where + ": expected 'key = value', got '" + line + "'");
            }
            String keyName = line.substring(0, eq).strip();
            ConfigKey key = ConfigKey.byKey(keyName).orElseThrow(() -> unknownKey(where, keyName));
            Setting previous =
                    settings.put(key, new Setting(line.substring(eq + 1).strip(), where));
            if (previous != null) {
                throw new ConfigException(where + ": " + keyName + ": already set at " + previous.source());
            }
        }
        return settings;
    }

    private static ConfigException unknownKey(String where, String name) {
        String known = Stream.of(ConfigKey.values()).map(ConfigKey::key).collect(Collectors.joining(", "));
        return new ConfigException(where + ": unknown key '" + name + "' (the keys are: " + known + ")");
    }
}
