package io.hermod.broker.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hermod.broker.BrokerException;
import io.hermod.broker.ErrorCode;
import io.hermod.broker.queue.QueueArguments.Overflow;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Queue argument validation at declare as RabbitMQ's rabbit_amqqueue:check_declare_arguments/2 does it (declare_args/0:
 * check_int_arg, check_non_neg_int_arg, check_expires_arg, check_message_ttl_arg with rabbit_misc:check_expiry,
 * check_max_priority_arg, check_dlxrk_arg, check_overflow, check_single_active_consumer_arg, check_queue_type), with
 * its error terms.
 */
class QueueArgumentsTest {

    private static final String PREFIX = "invalid arg '%s' for queue 'q' in vhost '/': %s";

    static Stream<Arguments> valid() {
        return Stream.of(
                Arguments.of(Map.of()),
                Arguments.of(Map.of("x-max-length", (byte) 0)),
                Arguments.of(Map.of("x-max-length", (short) 10)),
                Arguments.of(Map.of("x-max-length", 10)),
                Arguments.of(Map.of("x-max-length", 10L)),
                Arguments.of(Map.of("x-max-length-bytes", 1L << 40)),
                Arguments.of(Map.of("x-message-ttl", 0)),
                Arguments.of(Map.of("x-message-ttl", 4_294_967_295L)),
                Arguments.of(Map.of("x-expires", 1)),
                Arguments.of(Map.of("x-expires", 4_294_967_295L)),
                Arguments.of(Map.of("x-max-priority", 0)),
                Arguments.of(Map.of("x-max-priority", (short) 255)),
                Arguments.of(Map.of("x-overflow", "drop-head")),
                Arguments.of(Map.of("x-overflow", "reject-publish")),
                Arguments.of(Map.of("x-overflow", "reject-publish-dlx")),
                Arguments.of(Map.of("x-queue-mode", "lazy")),
                Arguments.of(Map.of("x-queue-mode", "default")),
                Arguments.of(Map.of("x-dead-letter-exchange", "")),
                Arguments.of(Map.of("x-dead-letter-exchange", "dlx", "x-dead-letter-routing-key", "dead")),
                Arguments.of(Map.of("x-single-active-consumer", true)),
                Arguments.of(Map.of("x-single-active-consumer", false)),
                Arguments.of(Map.of("x-delivery-limit", 5)),
                Arguments.of(Map.of("x-delivery-limit", -1)),
                Arguments.of(Map.of("x-consumer-timeout", 0)),
                Arguments.of(Map.of("x-consumer-timeout", 3_600_000L)),
                Arguments.of(Map.of("x-queue-type", "classic")),
                // arguments RabbitMQ's classic queues take but Hermod does not interpret, and unknown ones
                Arguments.of(Map.of("x-queue-mode", "lazy", "x-custom", 1.5)));
    }

    @ParameterizedTest
    @MethodSource
    void valid(Map<String, Object> arguments) {
        QueueArguments.validate("/", "q", arguments);
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                // integer types: any width, nothing else
                refused("x-max-length", "10", "\"expected integer, got longstr\""),
                refused("x-max-length", 10.0, "\"expected integer, got double\""),
                refused("x-max-length", 10.0f, "\"expected integer, got float\""),
                refused("x-max-length", new BigDecimal("10"), "\"expected integer, got decimal\""),
                refused("x-max-length", true, "\"expected integer, got bool\""),
                refused("x-max-length", null, "\"expected integer, got void\""),
                refused("x-max-length", -1, "{value_negative,-1}"),
                refused("x-max-length-bytes", (byte) -5, "{value_negative,-5}"),
                refused("x-max-length-bytes", "1kb", "\"expected integer, got longstr\""),
                refused("x-message-ttl", -1, "{value_negative,-1}"),
                refused("x-message-ttl", 4_294_967_296L, "{value_too_big,4294967296}"),
                refused("x-message-ttl", "60000", "\"expected integer, got longstr\""),
                refused("x-expires", 0, "{value_zero,0}"),
                refused("x-expires", -10L, "{value_negative,-10}"),
                refused("x-expires", 4_294_967_296L, "{value_too_big,4294967296}"),
                refused("x-max-priority", 256, "{max_value_exceeded,256}"),
                refused("x-max-priority", -1, "{value_negative,-1}"),
                refused("x-max-priority", "10", "\"expected integer, got longstr\""),
                refused("x-overflow", "drop-tail", "invalid_overflow"),
                refused("x-overflow", 1, "{unacceptable_type,signedint}"),
                refused("x-queue-mode", "eager", "invalid_queue_mode"),
                refused("x-queue-mode", true, "{unacceptable_type,bool}"),
                refused("x-dead-letter-routing-key", "dead", "routing_key_but_no_dlx_defined"),
                refused("x-single-active-consumer", "true", "{unacceptable_type,longstr}"),
                refused("x-single-active-consumer", 1, "{unacceptable_type,signedint}"),
                refused("x-delivery-limit", "5", "\"expected integer, got longstr\""),
                refused("x-consumer-timeout", -1, "{value_negative,-1}"),
                refused("x-consumer-timeout", "60000", "\"expected integer, got longstr\""),
                refused("x-queue-type", "quorum", "\"unsupported queue type 'quorum'\""),
                refused("x-queue-type", "stream", "\"unsupported queue type 'stream'\""),
                refused("x-queue-type", "fancy", "\"unsupported queue type 'fancy'\""),
                refused("x-queue-type", 1L, "{unacceptable_type,long}"),
                // rabbit_channel checks the dead-letter exchange's type before the declare, with its own message
                Arguments.of(
                        Map.of("x-dead-letter-exchange", 5),
                        "invalid type 'signedint' for arg 'x-dead-letter-exchange' in queue 'q' in vhost '/'"),
                Arguments.of(
                        Map.of("x-dead-letter-exchange", "dlx", "x-dead-letter-routing-key", 5L),
                        PREFIX.formatted("x-dead-letter-routing-key", "{unacceptable_type,long}")));
    }

    private static Arguments refused(String key, Object value, String error) {
        Map<String, Object> arguments = new HashMap<>();
        arguments.put(key, value);
        return Arguments.of(arguments, PREFIX.formatted(key, error));
    }

    @ParameterizedTest
    @MethodSource
    void invalid(Map<String, Object> arguments, String message) {
        assertThatThrownBy(() -> QueueArguments.validate("/", "q", arguments))
                .isInstanceOfSatisfying(
                        BrokerException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PRECONDITION_FAILED))
                .hasMessage(message);
    }

    @Test
    void theFirstBadArgumentInRabbitMqsOrderIsTheOneReported() {
        // declare_args/0 checks x-expires before x-max-length, whatever the table's order
        Map<String, Object> arguments = new java.util.LinkedHashMap<>();
        arguments.put("x-max-length", -1);
        arguments.put("x-expires", 0);

        assertThatThrownBy(() -> QueueArguments.validate("/", "q", arguments))
                .hasMessage(PREFIX.formatted("x-expires", "{value_zero,0}"));
    }

    @Test
    void theTypedViewHasTheValuesAndRabbitMqsDefaults() {
        QueueArguments a = QueueArguments.validate(
                "/",
                "q",
                Map.of(
                        "x-message-ttl",
                        60_000L,
                        "x-expires",
                        (short) 1000,
                        "x-max-length",
                        (byte) 3,
                        "x-max-length-bytes",
                        1 << 20,
                        "x-overflow",
                        "reject-publish-dlx",
                        "x-dead-letter-exchange",
                        "dlx",
                        "x-dead-letter-routing-key",
                        "dead",
                        "x-max-priority",
                        10,
                        "x-single-active-consumer",
                        true,
                        "x-delivery-limit",
                        4));

        assertThat(a)
                .isEqualTo(new QueueArguments(
                        60_000,
                        1000,
                        3,
                        1 << 20,
                        Overflow.REJECT_PUBLISH_DLX,
                        "dlx",
                        "dead",
                        10,
                        true,
                        4,
                        QueueArguments.NONE,
                        "classic",
                        null));
        assertThat(QueueArguments.validate("/", "q", Map.of())).isEqualTo(QueueArguments.DEFAULTS);
        assertThat(QueueArguments.DEFAULTS.overflow()).isEqualTo(Overflow.DROP_HEAD);
        assertThat(QueueArguments.DEFAULTS.maxLength()).isEqualTo(QueueArguments.NONE);
    }

    @Test
    void theConsumerTimeoutIsInMillisecondsAndAbsentUnlessGiven() {
        assertThat(QueueArguments.validate("/", "q", Map.of("x-consumer-timeout", (short) 90))
                        .consumerTimeout())
                .isEqualTo(90);
        assertThat(QueueArguments.DEFAULTS.consumerTimeout()).isEqualTo(QueueArguments.NONE);
        assertThat(QueueArguments.of(Map.of("x-consumer-timeout", -5)).consumerTimeout())
                .as("a bad value of a defined queue counts as absent")
                .isEqualTo(QueueArguments.NONE);
    }

    @Test
    void theArgumentsOfADefinedQueueAreReadWithoutRefusalBadValuesCountingAsAbsent() {
        // a queue recovered from the definitions log was valid when declared (or declared before validation existed)
        QueueArguments a = QueueArguments.of(Map.of(
                "x-max-length",
                -1,
                "x-single-active-consumer",
                "true",
                "x-queue-type",
                "quorum",
                "x-message-ttl",
                5000));

        assertThat(a.maxLength()).isEqualTo(QueueArguments.NONE);
        assertThat(a.singleActiveConsumer()).isFalse();
        assertThat(a.queueType()).isEqualTo("classic");
        assertThat(a.messageTtl()).isEqualTo(5000);
    }

    @Test
    void retryBackOffArgumentsAreCheckedAndDefaulted() {
        assertThat(QueueArguments.validate("/", "q", Map.of("x-retry-delay", 100))
                        .retry())
                .isEqualTo(new RetryBackoff(100, 2.0, 3_600_000, 0.0));
        assertThat(QueueArguments.validate(
                                "/",
                                "q",
                                Map.of(
                                        "x-retry-delay",
                                        100,
                                        "x-retry-multiplier",
                                        1.5,
                                        "x-retry-max-delay",
                                        10_000,
                                        "x-retry-jitter",
                                        0.25))
                        .retry())
                .isEqualTo(new RetryBackoff(100, 1.5, 10_000, 0.25));
        assertThat(QueueArguments.DEFAULTS.retry()).isNull();

        assertRefused(Map.of("x-retry-multiplier", 3), "x-retry-multiplier", "retry_option_but_no_retry_delay");
        assertRefused(Map.of("x-retry-delay", -1), "x-retry-delay", "{value_negative,-1}");
        assertRefused(
                Map.of("x-retry-delay", 10, "x-retry-multiplier", 0.5), "x-retry-multiplier", "{value_too_small,0.5}");
        assertRefused(Map.of("x-retry-delay", 10, "x-retry-jitter", 2), "x-retry-jitter", "{value_too_big,2}");
        assertRefused(
                Map.of("x-retry-delay", 10, "x-retry-jitter", "x"),
                "x-retry-jitter",
                "\"expected number, got longstr\"");
    }

    private static void assertRefused(Map<String, Object> arguments, String key, String error) {
        assertThatThrownBy(() -> QueueArguments.validate("/", "q", arguments))
                .isInstanceOf(io.hermod.broker.BrokerException.class)
                .hasMessage("invalid arg '" + key + "' for queue 'q' in vhost '/': " + error);
    }

    @Test
    void theBackOffDelayGrowsByTheMultiplierUpToTheMaximumWithinTheJitter() {
        RetryBackoff b = new RetryBackoff(100, 2, 1000, 0);
        assertThat(List.of(b.delay(1, 0.3), b.delay(2, 0.3), b.delay(3, 0.3), b.delay(4, 0.3), b.delay(5, 0.3)))
                .containsExactly(100L, 200L, 400L, 800L, 1000L);
        RetryBackoff jittered = new RetryBackoff(1000, 1, 1000, 0.1);
        assertThat(jittered.delay(1, 0.0)).isEqualTo(900);
        assertThat(jittered.delay(1, 0.5)).isEqualTo(1000);
        assertThat(jittered.delay(1, 0.999_999)).isEqualTo(1100);
    }
}
