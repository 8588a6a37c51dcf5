package io.hermod.broker;

import static io.hermod.broker.BrokerFixture.assertFails;
import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.broker.definitions.ExchangeDefinition;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * exchange.declare and exchange.delete as RabbitMQ answers them (rabbit_channel.erl handle_method for
 * 'exchange.declare' and 'exchange.delete', rabbit_exchange:assert_equivalence/6): reserved names, the default
 * exchange, equivalence of a redeclare, passive declares, conditional deletes.
 */
@Timeout(30)
class ExchangeDeclareTest {

    @TempDir
    Path dir;

    private BrokerFixture fixture;
    private Channel ch;

    @BeforeEach
    void setUp() {
        fixture = new BrokerFixture(dir);
        fixture.start();
        ch = fixture.channel();
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    private static ExchangeSpec spec(String name, String type, boolean durable, boolean autoDelete, boolean internal) {
        return new ExchangeSpec(name, type, durable, autoDelete, internal, Map.of());
    }

    @Test
    void aDeclaredExchangeIsFoundByAPassiveDeclareWithItsDefinition() {
        // Given
        ch.declareExchange(new ExchangeSpec("orders", "topic", true, true, true, Map.of("alternate-exchange", "ae")));

        // When
        ExchangeDefinition found = ch.declareExchangePassive("orders");

        // Then
        assertThat(found.type()).isEqualTo("topic");
        assertThat(found.durable()).isTrue();
        assertThat(found.autoDelete()).isTrue();
        assertThat(found.internal()).isTrue();
        assertThat(found.arguments()).containsEntry("alternate-exchange", "ae");
    }

    @Test
    void anEquivalentRedeclareSucceedsAndChangesNothing() {
        // Given
        ch.declareExchange(ExchangeSpec.durable("orders", "direct"));

        // When
        ch.declareExchange(ExchangeSpec.durable("orders", "direct"));

        // Then
        assertThat(fixture.vhost().exchangeNames()).contains("orders");
        assertThat(ch.declareExchangePassive("orders").type()).isEqualTo("direct");
    }

    @Test
    void aPassiveDeclareOfAMissingExchangeIsNotFound() {
        assertFails(ErrorCode.NOT_FOUND, () -> ch.declareExchangePassive("nowhere"));
    }

    @Test
    void anUnknownExchangeTypeFailsItsPrecondition() {
        assertFails(ErrorCode.PRECONDITION_FAILED, () -> ch.declareExchange(ExchangeSpec.durable("x", "x-unknown")));
        assertFails(ErrorCode.PRECONDITION_FAILED, () -> ch.declareExchange(ExchangeSpec.durable("x", "Direct")));
        assertThat(fixture.vhost().exchangeNames()).doesNotContain("x");
    }

    @Test
    void theTypeIsCheckedBeforeTheNameAsRabbitMqDoes() {
        // rabbit_channel checks the type (precondition_failed) before the default exchange (access_refused)
        assertFails(ErrorCode.PRECONDITION_FAILED, () -> ch.declareExchange(ExchangeSpec.durable("", "bogus")));
        assertFails(
                ErrorCode.PRECONDITION_FAILED, () -> ch.declareExchange(ExchangeSpec.durable("amq.direct", "bogus")));
    }

    @Test
    void aNewExchangeNamedWithTheReservedPrefixIsRefused() {
        assertFails(ErrorCode.ACCESS_REFUSED, () -> ch.declareExchange(ExchangeSpec.durable("amq.mine", "direct")));
        assertThat(fixture.vhost().exchangeNames()).doesNotContain("amq.mine");
    }

    @Test
    void everyPredeclaredExchangeExistsAndAnEquivalentRedeclareOfItSucceeds() {
        // Given a new broker
        // When the predeclared exchanges are redeclared as they are
        ch.declareExchange(ExchangeSpec.durable("amq.direct", "direct"));
        ch.declareExchange(ExchangeSpec.durable("amq.fanout", "fanout"));
        ch.declareExchange(ExchangeSpec.durable("amq.topic", "topic"));
        ch.declareExchange(ExchangeSpec.durable("amq.headers", "headers"));
        ch.declareExchange(ExchangeSpec.durable("amq.match", "headers"));

        // Then they are all there, passively too
        assertThat(fixture.vhost().exchangeNames())
                .contains("", "amq.direct", "amq.fanout", "amq.topic", "amq.headers", "amq.match");
        assertThat(ch.declareExchangePassive("amq.topic").type()).isEqualTo("topic");
    }

    @Test
    void anInequivalentRedeclareOfAPredeclaredExchangeIsAPreconditionFailure() {
        assertFails(
                ErrorCode.PRECONDITION_FAILED, () -> ch.declareExchange(ExchangeSpec.durable("amq.direct", "topic")));
        assertFails(
                ErrorCode.PRECONDITION_FAILED,
                () -> ch.declareExchange(spec("amq.direct", "direct", false, false, false)));
    }

    @Test
    void declaringTheDefaultExchangeIsRefused() {
        assertFails(ErrorCode.ACCESS_REFUSED, () -> ch.declareExchange(ExchangeSpec.durable("", "direct")));
    }

    @Test
    void aPassiveDeclareOfTheDefaultExchangeIsRefused() {
        // rabbit_channel: exchange.declare with passive=true calls check_not_default_exchange first
        assertFails(ErrorCode.ACCESS_REFUSED, () -> ch.declareExchangePassive(""));
    }

    @Test
    void aRedeclareWithAnotherTypeIsAPreconditionFailure() {
        ch.declareExchange(ExchangeSpec.durable("x", "direct"));

        assertFails(ErrorCode.PRECONDITION_FAILED, () -> ch.declareExchange(ExchangeSpec.durable("x", "fanout")));
        assertThat(ch.declareExchangePassive("x").type()).isEqualTo("direct");
    }

    @Test
    void aRedeclareWithAnotherDurabilityIsAPreconditionFailure() {
        ch.declareExchange(spec("x", "direct", true, false, false));

        assertFails(ErrorCode.PRECONDITION_FAILED, () -> ch.declareExchange(spec("x", "direct", false, false, false)));
    }

    @Test
    void aRedeclareWithAnotherAutoDeleteIsAPreconditionFailure() {
        ch.declareExchange(spec("x", "direct", true, false, false));

        assertFails(ErrorCode.PRECONDITION_FAILED, () -> ch.declareExchange(spec("x", "direct", true, true, false)));
    }

    @Test
    void aRedeclareWithAnotherInternalFlagIsAPreconditionFailure() {
        ch.declareExchange(spec("x", "direct", true, false, false));

        assertFails(ErrorCode.PRECONDITION_FAILED, () -> ch.declareExchange(spec("x", "direct", true, false, true)));
    }

    @Test
    void aRedeclareWithAnotherAlternateExchangeIsAPreconditionFailureButOtherArgumentsAreNotCompared() {
        // Given
        ch.declareExchange(new ExchangeSpec("x", "direct", true, false, false, Map.of("alternate-exchange", "ae1")));

        // Then: alternate-exchange is compared (also its absence); other arguments are not (RabbitMQ compares only
        // alternate-exchange for the built-in types)
        assertFails(
                ErrorCode.PRECONDITION_FAILED,
                () -> ch.declareExchange(
                        new ExchangeSpec("x", "direct", true, false, false, Map.of("alternate-exchange", "ae2"))));
        assertFails(ErrorCode.PRECONDITION_FAILED, () -> ch.declareExchange(ExchangeSpec.durable("x", "direct")));
        ch.declareExchange(new ExchangeSpec(
                "x", "direct", true, false, false, Map.of("alternate-exchange", "ae1", "x-anything", 42)));
    }

    @Test
    void anAlternateExchangeArgumentThatIsNotAStringIsAPreconditionFailure() {
        assertFails(
                ErrorCode.PRECONDITION_FAILED,
                () -> ch.declareExchange(
                        new ExchangeSpec("x", "direct", true, false, false, Map.of("alternate-exchange", 7))));
        assertThat(fixture.vhost().exchangeNames()).doesNotContain("x");
    }

    @Test
    void deletingTheDefaultExchangeIsRefused() {
        assertFails(ErrorCode.ACCESS_REFUSED, () -> ch.deleteExchange("", false));
    }

    @Test
    void deletingAPredeclaredExchangeIsRefused() {
        assertFails(ErrorCode.ACCESS_REFUSED, () -> ch.deleteExchange("amq.direct", false));
        assertFails(ErrorCode.ACCESS_REFUSED, () -> ch.deleteExchange("amq.match", true));
        assertThat(fixture.vhost().exchangeNames()).contains("amq.direct", "amq.match");
    }

    @Test
    void deletingAnyExchangeNamedWithTheReservedPrefixIsRefusedEvenWhenItDoesNotExist() {
        // rabbit_channel:check_exchange_deletion refuses every amq.* name, before looking the exchange up
        assertFails(ErrorCode.ACCESS_REFUSED, () -> ch.deleteExchange("amq.nothing", false));
    }

    @Test
    void deletingAMissingExchangeSucceeds() {
        ch.deleteExchange("never-declared", false);
        ch.deleteExchange("never-declared", true);
    }

    @Test
    void aDeletedExchangeIsGoneAndMayBeDeclaredAgainWithOtherProperties() {
        // Given
        ch.declareExchange(ExchangeSpec.durable("x", "direct"));

        // When
        ch.deleteExchange("x", false);

        // Then
        assertFails(ErrorCode.NOT_FOUND, () -> ch.declareExchangePassive("x"));
        ch.declareExchange(ExchangeSpec.durable("x", "fanout"));
        assertThat(ch.declareExchangePassive("x").type()).isEqualTo("fanout");
    }

    @Test
    void deleteIfUnusedRefusesAnExchangeWithBindingsAndKeepsItWhole() {
        // Given
        ch.declareExchange(ExchangeSpec.durable("x", "direct"));
        ch.declareQueue(QueueSpec.durable("q"));
        ch.bindQueue("q", "x", "k", Map.of());

        // When / Then
        assertFails(ErrorCode.PRECONDITION_FAILED, () -> ch.deleteExchange("x", true));
        assertThat(BrokerFixture.publish(ch, "x", "k", "still routed").routed()).isTrue();
    }

    @Test
    void deleteIfUnusedCountsOnlyBindingsFromTheExchangeNotBindingsToIt() {
        // Given "x" is only the destination of a binding
        ch.declareExchange(ExchangeSpec.durable("src", "fanout"));
        ch.declareExchange(ExchangeSpec.durable("x", "fanout"));
        ch.bindExchange("x", "src", "", Map.of());

        // When
        ch.deleteExchange("x", true);

        // Then it is gone, and so is the binding to it
        assertThat(fixture.vhost().exchangeNames()).doesNotContain("x");
        assertThat(fixture.vhost().bindings()).isEmpty();
    }

    @Test
    void deletingAnExchangeRemovesItsBindingsBothWays() {
        // Given
        ch.declareExchange(ExchangeSpec.durable("up", "fanout"));
        ch.declareExchange(ExchangeSpec.durable("x", "fanout"));
        ch.declareQueue(QueueSpec.durable("q"));
        ch.bindExchange("x", "up", "", Map.of());
        ch.bindQueue("q", "x", "", Map.of());

        // When
        ch.deleteExchange("x", false);

        // Then
        assertThat(fixture.vhost().bindings()).isEmpty();
        assertThat(BrokerFixture.publish(ch, "up", "", "m").routed()).isFalse();
    }
}
