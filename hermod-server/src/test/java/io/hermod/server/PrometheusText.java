package io.hermod.server;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * A scrape in Prometheus' text format, parsed for assertions: every sample with its name, labels and value, and the
 * {@code # TYPE} of each family. Enough of the format for what the server writes (no escapes beyond {@code \"}, no
 * timestamps).
 */
record PrometheusText(List<Sample> samples, Map<String, String> types) {

    record Sample(String name, Map<String, String> labels, double value) {}

    static PrometheusText parse(String text) {
        List<Sample> samples = new ArrayList<>();
        Map<String, String> types = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                String[] parts = line.split(" ");
                types.put(parts[2], parts[3]);
            }
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            String name;
            Map<String, String> labels = new LinkedHashMap<>();
            if (brace >= 0 && brace < space) {
                name = line.substring(0, brace);
                String body = line.substring(brace + 1, line.lastIndexOf('}'));
                int i = 0;
                while (i < body.length()) {
                    int eq = body.indexOf('=', i);
                    String key = body.substring(i, eq).trim();
                    int start = eq + 2; // after ="
                    StringBuilder value = new StringBuilder();
                    int j = start;
                    while (body.charAt(j) != '"') {
                        if (body.charAt(j) == '\\') {
                            j++;
                        }
                        value.append(body.charAt(j));
                        j++;
                    }
                    labels.put(key, value.toString());
                    i = j + 1;
                    if (i < body.length() && body.charAt(i) == ',') {
                        i++;
                    }
                }
            } else {
                name = line.substring(0, space);
            }
            String value = line.substring(space + 1);
            samples.add(new Sample(
                    name,
                    labels,
                    switch (value) {
                        case "+Inf" -> Double.POSITIVE_INFINITY;
                        case "-Inf" -> Double.NEGATIVE_INFINITY;
                        default -> Double.parseDouble(value);
                    }));
        }
        return new PrometheusText(samples, types);
    }

    /** The value of the one sample with this name whose labels include {@code labels} (key, value, key, value...). */
    OptionalDouble value(String name, String... labels) {
        List<Sample> found = find(name, labels);
        if (found.size() > 1) {
            throw new AssertionError("more than one sample " + name + " with " + List.of(labels) + ": " + found);
        }
        return found.isEmpty()
                ? OptionalDouble.empty()
                : OptionalDouble.of(found.getFirst().value());
    }

    /** The value, or -1 when there is no such sample (for Awaitility conditions). */
    double valueOrMissing(String name, String... labels) {
        return value(name, labels).orElse(-1);
    }

    List<Sample> find(String name, String... labels) {
        List<Sample> found = new ArrayList<>();
        for (Sample s : samples) {
            if (!s.name().equals(name)) {
                continue;
            }
            boolean all = true;
            for (int i = 0; i < labels.length; i += 2) {
                all &= labels[i + 1].equals(s.labels().get(labels[i]));
            }
            if (all) {
                found.add(s);
            }
        }
        return found;
    }

    boolean hasFamilyStartingWith(String prefix) {
        return samples.stream().anyMatch(s -> s.name().startsWith(prefix));
    }
}
