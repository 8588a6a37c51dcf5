package io.hermod.broker;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The history a dead-lettered message carries in its headers, as RabbitMQ writes it (rabbit_dead_letter): the {@code
 * x-death} array, one table per (queue, reason) with {@code count}, {@code reason}, {@code queue}, {@code time}, {@code
 * exchange}, {@code routing-keys} and, when the message had one, {@code original-expiration}, the most recent first;
 * {@code x-first-death-reason/queue/exchange} set by the first dead-lettering, and {@code x-last-death-*} (RabbitMQ
 * 3.13's) by every one. And the cycle rule: a message dead-lettered back to a queue it died in before, with no
 * rejection on the way, is dropped there instead of circling forever.
 *
 * <p>Stateless; headers are in the value model of {@link io.hermod.broker.definitions.Arguments}.
 */
final class DeadLetterHistory {

    static final String X_DEATH = "x-death";
    private static final String COUNT = "count";
    private static final String REASON = "reason";
    private static final String QUEUE = "queue";
    private static final String TIME = "time";
    private static final String EXCHANGE = "exchange";
    private static final String ROUTING_KEYS = "routing-keys";
    private static final String ORIGINAL_EXPIRATION = "original-expiration";
    private static final String REJECTED = "rejected";

    private DeadLetterHistory() {}

    /**
     * The headers of a message dead-lettered from {@code queue}: {@code headers} with the death recorded. A death
     * from the same queue for the same reason as an earlier one counts up that entry and moves it to the front
     * (keeping its first time, exchange and routing keys, as RabbitMQ does).
     *
     * @param exchange the exchange the message was last published to
     * @param routingKeys the routing keys it was last published with
     * @param originalExpiration its expiration property, which the dead-lettered copy loses; null when none
     */
    static Map<String, Object> record(
            Map<String, Object> headers,
            String queue,
            String reason,
            Instant time,
            String exchange,
            List<String> routingKeys,
            String originalExpiration) {
        Map<String, Object> updated = new LinkedHashMap<>(headers);
        List<Object> deaths = new ArrayList<>();
        Map<String, Object> entry = null;
        if (headers.get(X_DEATH) instanceof List<?> previous) {
            for (Map<String, Object> death : grouped(previous)) {
                if (entry == null && queue.equals(death.get(QUEUE)) && reason.equals(death.get(REASON))) {
                    entry = new LinkedHashMap<>(death);
                    entry.put(COUNT, count(death) + 1);
                } else {
                    deaths.add(death);
                }
            }
        }
        if (!(headers.get(X_DEATH) instanceof List<?>)) {
            updated.put("x-first-death-reason", reason);
            updated.put("x-first-death-queue", queue);
            updated.put("x-first-death-exchange", exchange);
        }
        if (entry == null) {
            entry = new LinkedHashMap<>(); // the order of rabbit_misc:sort_field_table
            entry.put(COUNT, 1L);
            entry.put(EXCHANGE, exchange);
            if (originalExpiration != null) {
                entry.put(ORIGINAL_EXPIRATION, originalExpiration);
            }
            entry.put(QUEUE, queue);
            entry.put(REASON, reason);
            entry.put(ROUTING_KEYS, List.copyOf(routingKeys));
            entry.put(TIME, Instant.ofEpochSecond(time.getEpochSecond()));
        }
        deaths.addFirst(entry);
        updated.put(X_DEATH, deaths);
        updated.put("x-last-death-reason", reason);
        updated.put("x-last-death-queue", queue);
        updated.put("x-last-death-exchange", exchange);
        return updated;
    }

    /**
     * Whether dead-lettering a message with these headers (its death already recorded) to {@code target} closes a
     * cycle with no rejection in it (rabbit_dead_letter:is_cycle): {@code target} is in its history, and neither the
     * deaths since nor the one there were rejections. Deaths for rejection never cycle: the caller skips the check.
     */
    static boolean isCycle(Map<String, Object> headers, String target) {
        if (!(headers.get(X_DEATH) instanceof List<?> deaths)) {
            return false;
        }
        for (Object d : deaths) {
            if (!(d instanceof Map<?, ?> death)) {
                return false; // an entry RabbitMQ cannot read either stops the cycle
            }
            if (REJECTED.equals(death.get(REASON))) {
                return false;
            }
            if (target.equals(death.get(QUEUE))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The tables of an {@code x-death} array, those for the same queue and reason merged into the first with their
     * counts summed (histories written before RabbitMQ grouped them hold several); other values are dropped.
     */
    private static List<Map<String, Object>> grouped(List<?> deaths) {
        List<Map<String, Object>> grouped = new ArrayList<>(deaths.size());
        for (Object d : deaths) {
            if (!(d instanceof Map<?, ?> raw)) {
                continue;
            }
            Map<String, Object> death = new LinkedHashMap<>();
            raw.forEach((k, v) -> death.put(String.valueOf(k), v));
            Map<String, Object> same = null;
            for (Map<String, Object> g : grouped) {
                if (Objects.equals(g.get(QUEUE), death.get(QUEUE))
                        && Objects.equals(g.get(REASON), death.get(REASON))) {
                    same = g;
                    break;
                }
            }
            if (same == null) {
                grouped.add(death);
            } else {
                same.put(COUNT, count(same) + count(death));
            }
        }
        return grouped;
    }

    private static long count(Map<String, Object> death) {
        return death.get(COUNT) instanceof Number n ? n.longValue() : 1;
    }
}
