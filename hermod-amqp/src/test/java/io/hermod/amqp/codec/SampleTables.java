package io.hermod.amqp.codec;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Field tables for tests: one value of every type our encoder writes. */
final class SampleTables {

    private SampleTables() {}

    /** A table with one entry per encodable type (S t b s I l f d D T x A F V), in that order. */
    static Map<String, Object> everyType() {
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("x-nested", "yes");
        nested.put("count", 3);
        Map<String, Object> table = new LinkedHashMap<>();
        table.put("string", "text \u00e4 \u20ac");
        table.put("boolean", true);
        table.put("byte", (byte) -5);
        table.put("short", (short) -300);
        table.put("int", -70_000);
        table.put("long", -5_000_000_000L);
        table.put("float", 1.5f);
        table.put("double", -2.25);
        table.put("decimal", new BigDecimal("-123.45"));
        table.put("timestamp", Instant.ofEpochSecond(1_700_000_000L));
        table.put("bytes", new byte[] {0, 1, (byte) 0xCE, (byte) 0xFF});
        table.put("array", List.of("a", 1, List.of(true, 2L)));
        table.put("table", Collections.unmodifiableMap(nested));
        table.put("void", null);
        return Collections.unmodifiableMap(table);
    }
}
