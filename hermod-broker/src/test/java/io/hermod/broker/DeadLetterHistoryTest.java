package io.hermod.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The x-death bookkeeping and the cycle rule, on header maps (RabbitMQ's rabbit_dead_letter). */
class DeadLetterHistoryTest {

    private static final Instant T1 = Instant.ofEpochSecond(1_700_000_000L);
    private static final Instant T2 = T1.plusSeconds(60);

    private static Map<String, Object> death(Map<String, Object> headers, String queue, String reason, Instant at) {
        return DeadLetterHistory.record(headers, queue, reason, at, "x", List.of("rk"), null);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> deaths(Map<String, Object> headers) {
        return (List<Map<String, Object>>) headers.get("x-death");
    }

    @Test
    void theFirstDeathSetsTheFirstDeathHeadersAndLaterOnesDoNotChangeThem() {
        Map<String, Object> once = death(Map.of(), "q1", "expired", T1);
        Map<String, Object> twice = DeadLetterHistory.record(once, "q2", "rejected", T2, "y", List.of("k"), null);

        assertThat(twice)
                .containsEntry("x-first-death-queue", "q1")
                .containsEntry("x-first-death-reason", "expired")
                .containsEntry("x-first-death-exchange", "x")
                .containsEntry("x-last-death-queue", "q2")
                .containsEntry("x-last-death-reason", "rejected")
                .containsEntry("x-last-death-exchange", "y");
        assertThat(deaths(twice)).extracting(d -> d.get("queue")).containsExactly("q2", "q1");
    }

    @Test
    void aRepeatedDeathCountsUpItsEntryKeepsItsFirstTimeAndMovesItToTheFront() {
        Map<String, Object> h = death(Map.of(), "q1", "expired", T1);
        h = death(h, "q2", "expired", T1);
        h = death(h, "q1", "expired", T2);

        assertThat(deaths(h)).hasSize(2);
        assertThat(deaths(h).get(0))
                .containsEntry("queue", "q1")
                .containsEntry("count", 2L)
                .containsEntry("time", T1);
        assertThat(deaths(h).get(1)).containsEntry("queue", "q2").containsEntry("count", 1L);
    }

    @Test
    void entriesForTheSameQueueAndReasonFromOlderBrokersAreMergedWithTheirCountsSummed() {
        Map<String, Object> legacy = Map.of(
                "x-death",
                List.of(
                        Map.of("queue", "q1", "reason", "expired", "count", 2L),
                        Map.of("queue", "q1", "reason", "expired", "count", 3L),
                        "not a table"));
        Map<String, Object> h = death(legacy, "q2", "maxlen", T1);

        assertThat(deaths(h)).extracting(d -> d.get("queue")).containsExactly("q2", "q1");
        assertThat(deaths(h).get(1)).containsEntry("count", 5L);
        assertThat(h).doesNotContainKey("x-first-death-queue"); // it had a history already
    }

    @Test
    void aCycleIsAReturnToAQueueInTheHistoryWithNoRejectionOnTheWay() {
        Map<String, Object> h = death(Map.of(), "a", "expired", T1);
        h = death(h, "b", "maxlen", T1);

        assertThat(DeadLetterHistory.isCycle(h, "a")).isTrue();
        assertThat(DeadLetterHistory.isCycle(h, "b")).isTrue();
        assertThat(DeadLetterHistory.isCycle(h, "c")).isFalse();

        Map<String, Object> withRejection = death(death(Map.of(), "a", "rejected", T1), "b", "expired", T1);
        assertThat(DeadLetterHistory.isCycle(withRejection, "a"))
                .as("the rejection at a breaks it")
                .isFalse();
        assertThat(DeadLetterHistory.isCycle(withRejection, "b")).isTrue();
        assertThat(DeadLetterHistory.isCycle(Map.of(), "a")).isFalse();
    }
}
