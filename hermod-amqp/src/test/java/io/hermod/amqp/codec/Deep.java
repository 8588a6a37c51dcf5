package io.hermod.amqp.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Deep equality for decoded values: records component by component, byte arrays by content, maps by entries in order,
 * lists element by element, everything else with {@code equals} (a decimal's scale counts, as it does on the wire).
 */
final class Deep {

    private Deep() {}

    static void assertDeepEquals(Object actual, Object expected) {
        assertThat(equal(actual, expected))
                .as("deeply equal:%n  actual   %s%n  expected %s", actual, expected)
                .isTrue();
    }

    static boolean equal(Object a, Object b) {
        if (a instanceof byte[] x && b instanceof byte[] y) {
            return Arrays.equals(x, y);
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (!new ArrayList<>(x.keySet()).equals(new ArrayList<>(y.keySet()))) {
                return false;
            }
            return x.keySet().stream().allMatch(k -> equal(x.get(k), y.get(k)));
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (int i = 0; i < x.size(); i++) {
                if (!equal(x.get(i), y.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Record && b != null && a.getClass() == b.getClass()) {
            for (RecordComponent c : a.getClass().getRecordComponents()) {
                if (!equal(component(c, a), component(c, b))) {
                    return false;
                }
            }
            return true;
        }
        return Objects.equals(a, b);
    }

    static Object component(RecordComponent c, Object record) {
        try {
            return c.getAccessor().invoke(record);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new AssertionError(e);
        }
    }

    /** The values of a record's components, in order. */
    static List<Object> components(Record record) {
        List<Object> values = new ArrayList<>();
        for (RecordComponent c : record.getClass().getRecordComponents()) {
            values.add(component(c, record));
        }
        return values;
    }
}
