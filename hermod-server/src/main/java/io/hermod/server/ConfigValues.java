package io.hermod.server;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Turns configuration text into typed values, each failing with a {@link ConfigException} that names the key, where the
 * value came from and what is wrong with it.
 */
final class ConfigValues {

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|kB|MB|GB|KiB|MiB|GiB)?");
    private static final Set<String> LEVELS = Set.of("trace", "debug", "info", "warn", "error", "off");

    private ConfigValues() {}

    static int integer(ConfigKey key, Setting s, int min, int max) {
        try {
            int value = Integer.parseInt(s.value());
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below, with the range
        }
        throw ConfigException.invalid(key, s, "must be an integer in [" + min + ", " + max + "]");
    }

    static int port(ConfigKey key, Setting s) {
        return integer(key, s, 0, 65535);
    }

    /**
     * A number of bytes: a plain integer, or one with a unit: {@code kB}, {@code MB}, {@code GB} (powers of 1000, as
     * RabbitMQ's {@code disk_free_limit}) or {@code KiB}, {@code MiB}, {@code GiB} (powers of 1024).
     */
    static long bytes(ConfigKey key, Setting s, long min, long max) {
        Matcher m = SIZE.matcher(s.value());
        if (m.matches()) {
            try {
                long value = Math.multiplyExact(Long.parseLong(m.group(1)), unit(m.group(2)));
                if (value >= min && value <= max) {
                    return value;
                }
            } catch (ArithmeticException | NumberFormatException e) {
                // too large: reported below, with the range
            }
        }
        String range = max == Long.MAX_VALUE ? "of at least " + min : "in [" + min + ", " + max + "]";
        throw ConfigException.invalid(
                key, s, "must be a size " + range + " bytes: a number, or one with a unit (kB, MB, GB, KiB, MiB, GiB)");
    }

    private static long unit(String unit) {
        if (unit == null) {
            return 1;
        }
        return switch (unit) {
            case "kB" -> 1000L;
            case "MB" -> 1000L * 1000;
            case "GB" -> 1000L * 1000 * 1000;
            case "KiB" -> 1L << 10;
            case "MiB" -> 1L << 20;
            case "GiB" -> 1L << 30;
            default -> 1;
        };
    }

    /** A number in [0, 1]. */
    static double fraction(ConfigKey key, Setting s) {
        try {
            double value = Double.parseDouble(s.value());
            if (value >= 0 && value <= 1) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw ConfigException.invalid(key, s, "must be a number in [0, 1]");
    }

    static String nonEmpty(ConfigKey key, Setting s) {
        if (s.value().isEmpty()) {
            throw ConfigException.invalid(key, s, "must not be empty");
        }
        return s.value();
    }

    static Path path(ConfigKey key, Setting s) {
        try {
            return Path.of(nonEmpty(key, s));
        } catch (InvalidPathException e) {
            throw ConfigException.invalid(key, s, "is not a path: " + e.getReason());
        }
    }

    /** An address to bind: an IP literal or a name this machine resolves. */
    static String host(ConfigKey key, Setting s) {
        try {
            InetAddress.getByName(nonEmpty(key, s));
            return s.value();
        } catch (UnknownHostException e) {
            throw ConfigException.invalid(key, s, "is not an address of this machine's resolver");
        }
    }

    /** A comma-separated list of names; empty for none. */
    static Set<String> names(ConfigKey key, Setting s) {
        if (s.value().isBlank()) {
            return Set.of();
        }
        Set<String> names =
                Arrays.stream(s.value().split(",", -1)).map(String::strip).collect(Collectors.toUnmodifiableSet());
        if (names.contains("")) {
            throw ConfigException.invalid(key, s, "must be names separated by commas, with none empty");
        }
        return names;
    }

    /** One of {@code choices}, exactly as written there. */
    static String oneOf(ConfigKey key, Setting s, List<String> choices) {
        if (!choices.contains(s.value())) {
            throw ConfigException.invalid(key, s, "must be one of " + String.join(", ", choices));
        }
        return s.value();
    }

    static boolean bool(ConfigKey key, Setting s) {
        return oneOf(key, s, List.of("true", "false")).equals("true");
    }

    /** A comma-separated list in its order, none empty; an empty value is an empty list. */
    static List<String> list(ConfigKey key, Setting s) {
        if (s.value().isBlank()) {
            return List.of();
        }
        List<String> items =
                Arrays.stream(s.value().split(",", -1)).map(String::strip).toList();
        if (items.contains("")) {
            throw ConfigException.invalid(key, s, "must be names separated by commas, with none empty");
        }
        return items;
    }

    /** A path, or null when the value is empty. */
    static Path optionalPath(ConfigKey key, Setting s) {
        return s.value().isEmpty() ? null : path(key, s);
    }

    /** A port, or {@code none} when the value is empty. */
    static int optionalPort(ConfigKey key, Setting s, int none) {
        return s.value().isEmpty() ? none : port(key, s);
    }

    static String logLevel(ConfigKey key, Setting s) {
        String level = s.value().toLowerCase(Locale.ROOT);
        if (!LEVELS.contains(level)) {
            throw ConfigException.invalid(key, s, "must be one of trace, debug, info, warn, error, off");
        }
        return level;
    }
}
