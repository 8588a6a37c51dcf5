package io.hermod.broker.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hermod.broker.BrokerException;
import io.hermod.broker.ErrorCode;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class DelayedMessageTypeTest {

    private static long delay(Object value) {
        Map<String, Object> headers = new HashMap<>();
        headers.put("x-delay", value);
        return DelayedMessageType.delayOf(headers);
    }

    @Test
    void integersOfEveryWidthDigitsAndTruncatedFractionsAreDelays() {
        assertThat(delay((byte) 7)).isEqualTo(7);
        assertThat(delay((short) 7)).isEqualTo(7);
        assertThat(delay(7)).isEqualTo(7);
        assertThat(delay(7L)).isEqualTo(7);
        assertThat(delay("7")).isEqualTo(7);
        assertThat(delay(7.9)).isEqualTo(7);
        assertThat(delay(7.9f)).isEqualTo(7);
        assertThat(delay(new BigDecimal("7.9"))).isEqualTo(7);
        assertThat(delay(DelayedMessageType.MAX_DELAY)).isEqualTo(DelayedMessageType.MAX_DELAY);
    }

    @Test
    void anythingElseAsksForNoDelay() {
        assertThat(DelayedMessageType.delayOf(Map.of())).isZero();
        assertThat(delay(null)).isZero();
        assertThat(delay(0)).isZero();
        assertThat(delay(-1)).isZero();
        assertThat(delay("soon")).isZero();
        assertThat(delay(true)).isZero();
        assertThat(delay(new byte[] {1})).isZero();
        assertThat(delay(DelayedMessageType.MAX_DELAY + 1)).isZero();
    }

    @Test
    void theReleasedHeadersNegateTheDelayAndKeepTheRest() {
        assertThat(DelayedMessageType.releasedHeaders(Map.of("x-delay", 5, "a", "b"), 5))
                .containsEntry("x-delay", -5)
                .containsEntry("a", "b");
        assertThat(DelayedMessageType.releasedHeaders(Map.of(), 5_000_000_000L))
                .containsEntry("x-delay", -5_000_000_000L);
    }

    @Test
    void theRoutingTypeIsTheDelayedTypeAndOnlyAKnownOne() {
        assertThat(DelayedMessageType.routingType(Map.of("x-delayed-type", "topic")))
                .isEqualTo(ExchangeType.TOPIC);
        assertThatThrownBy(() -> DelayedMessageType.routingType(Map.of("x-delayed-type", "nope")))
                .isInstanceOfSatisfying(
                        BrokerException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PRECONDITION_FAILED));
        assertThatThrownBy(() -> DelayedMessageType.routingType(Map.of()))
                .isInstanceOfSatisfying(
                        BrokerException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PRECONDITION_FAILED));
    }
}
