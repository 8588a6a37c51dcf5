package io.hermod.broker;

import static io.hermod.broker.BrokerFixture.assertFails;
import static io.hermod.broker.BrokerFixture.publish;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * queue.bind, queue.unbind, exchange.bind and exchange.unbind as RabbitMQ answers them (rabbit_channel.erl
 * binding_action_with_checks/10, rabbit_db_binding:delete/2), and auto-delete exchanges, which go when they lose their
 * last binding as a source (rabbit_exchange:maybe_auto_delete/2).
 */
@Timeout(30)
class BindingTest {

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

    private void autoDeleteExchange(String name, String type) {
        ch.declareExchange(new ExchangeSpec(name, type, true, true, false, Map.of()));
    }

    // ------------------------------------------------------------------ binding rules

    @Test
    void bindingToOrFromTheDefaultExchangeIsRefused() {
        ch.declareQueue(QueueSpec.durable("q"));
        ch.declareExchange(ExchangeSpec.durable("x", "direct"));

        assertFails(ErrorCode.ACCESS_REFUSED, () -> ch.bindQueue("q", "", "q", Map.of()));
        assertFails(ErrorCode.ACCESS_REFUSED, () -> ch.unbindQueue("q", "", "q", Map.of()));
        assertFails(ErrorCode.ACCESS_REFUSED, () -> ch.bindExchange("x", "", "k", Map.of()));
        assertFails(ErrorCode.ACCESS_REFUSED, () -> ch.bindExchange("", "x", "k", Map.of()));
        assertFails(ErrorCode.ACCESS_REFUSED, () -> ch.unbindExchange("", "x", "k", Map.of()));
        assertThat(fixture.vhost().bindings()).isEmpty();
    }

    @Test
    void bindingAMissingQueueOrToAMissingExchangeIsNotFound() {
        ch.declareQueue(QueueSpec.durable("q"));
        ch.declareExchange(ExchangeSpec.durable("x", "direct"));

        assertFails(ErrorCode.NOT_FOUND, () -> ch.bindQueue("nowhere", "x", "k", Map.of()));
        assertFails(ErrorCode.NOT_FOUND, () -> ch.bindQueue("q", "nowhere", "k", Map.of()));
        assertFails(ErrorCode.NOT_FOUND, () -> ch.bindExchange("nowhere", "x", "k", Map.of()));
        assertFails(ErrorCode.NOT_FOUND, () -> ch.bindExchange("x", "nowhere", "k", Map.of()));
        assertThat(fixture.vhost().bindings()).isEmpty();
    }

    @Test
    void bindingTwiceIsOneBinding() {
        ch.declareQueue(QueueSpec.durable("q"));
        ch.declareExchange(ExchangeSpec.durable("x", "direct"));

        ch.bindQueue("q", "x", "k", Map.of("a", 1));
        ch.bindQueue("q", "x", "k", Map.of("a", 1L)); // the same arguments, another integer width

        assertThat(fixture.vhost().bindings()).hasSize(1);
    }

    @Test
    void theSameKeyWithOtherArgumentsIsAnotherBindingAndUnbindingNeedsTheArguments() {
        // Given
        ch.declareQueue(QueueSpec.durable("q"));
        ch.declareExchange(ExchangeSpec.durable("x", "direct"));
        ch.bindQueue("q", "x", "k", Map.of());
        ch.bindQueue("q", "x", "k", Map.of("v", 2));

        // When
        ch.unbindQueue("q", "x", "k", Map.of());

        // Then the other binding still routes
        assertThat(fixture.vhost().bindings()).hasSize(1);
        assertThat(publish(ch, "x", "k", "m").routed()).isTrue();
        ch.unbindQueue("q", "x", "k", Map.of("v", 2));
        assertThat(publish(ch, "x", "k", "m").routed()).isFalse();
    }

    @Test
    void unbindingWhatIsNotBoundSucceeds() {
        ch.declareQueue(QueueSpec.durable("q"));
        ch.declareExchange(ExchangeSpec.durable("x", "direct"));

        ch.unbindQueue("q", "x", "never-bound", Map.of());
        ch.unbindExchange("x", "amq.direct", "never-bound", Map.of());
        assertThat(fixture.vhost().bindings()).isEmpty();
    }

    @Test
    void unbindingFromOrToAMissingEntitySucceedsAsOnRabbitMq() {
        // rabbit_db_binding:delete/2 answers ok when the source or the destination does not exist
        ch.declareQueue(QueueSpec.durable("q"));

        ch.unbindQueue("q", "no-such-exchange", "k", Map.of());
        ch.unbindQueue("no-such-queue", "amq.direct", "k", Map.of());
        ch.unbindExchange("no-such-exchange", "amq.direct", "k", Map.of());
    }

    @Test
    void aHeadersBindingWithAnInvalidXMatchIsAPreconditionFailureAndLeavesNothingBehind() {
        // Given
        ch.declareQueue(QueueSpec.durable("q"));
        ch.declareExchange(ExchangeSpec.durable("h", "headers"));

        // When / Then
        assertFails(ErrorCode.PRECONDITION_FAILED, () -> ch.bindQueue("q", "h", "", Map.of("x-match", "some", "a", 1)));
        assertFails(ErrorCode.PRECONDITION_FAILED, () -> ch.bindQueue("q", "h", "", Map.of("x-match", 1)));
        assertThat(fixture.vhost().bindings()).isEmpty();
        assertThat(ch.publish(BrokerFixture.message("h", "", Map.of("a", 1), "m"))
                        .join()
                        .routed())
                .isFalse();

        // and nothing comes back after a restart either
        fixture.restart();
        assertThat(fixture.vhost().bindings()).isEmpty();
    }

    @Test
    void anXMatchOnlyMeansSomethingToHeadersExchanges() {
        ch.declareQueue(QueueSpec.durable("q"));
        ch.declareExchange(ExchangeSpec.durable("d", "direct"));

        ch.bindQueue("q", "d", "k", Map.of("x-match", "some"));

        assertThat(publish(ch, "d", "k", "m").routed()).isTrue();
    }

    // ------------------------------------------------------------------ auto-delete exchanges

    @Test
    void anAutoDeleteExchangeStaysUntilItHasHadABinding() {
        autoDeleteExchange("x", "fanout");

        assertThat(fixture.vhost().exchangeNames()).contains("x");
        ch.unbindQueue("nothing", "x", "", Map.of());
        assertThat(fixture.vhost().exchangeNames()).contains("x");
    }

    @Test
    void anAutoDeleteExchangeGoesWhenItsLastBindingIsUnbound() {
        // Given
        autoDeleteExchange("x", "direct");
        ch.declareQueue(QueueSpec.durable("q"));
        ch.bindQueue("q", "x", "a", Map.of());
        ch.bindQueue("q", "x", "b", Map.of());

        // When the first of two goes, it stays; when the second goes, it goes
        ch.unbindQueue("q", "x", "a", Map.of());
        assertThat(fixture.vhost().exchangeNames()).contains("x");
        ch.unbindQueue("q", "x", "b", Map.of());

        // Then
        assertThat(fixture.vhost().exchangeNames()).doesNotContain("x");
        assertFails(ErrorCode.NOT_FOUND, () -> ch.declareExchangePassive("x"));
    }

    @Test
    void anAutoDeleteExchangeGoesWhenTheQueueOfItsLastBindingIsDeleted() {
        autoDeleteExchange("x", "fanout");
        ch.declareQueue(QueueSpec.durable("q"));
        ch.bindQueue("q", "x", "", Map.of());

        ch.deleteQueue("q", false, false);

        assertThat(fixture.vhost().exchangeNames()).doesNotContain("x");
    }

    @Test
    void bindingsToAnAutoDeleteExchangeDoNotKeepItAlive() {
        // Given x is the destination of a binding and the source of one
        ch.declareExchange(ExchangeSpec.durable("up", "fanout"));
        autoDeleteExchange("x", "fanout");
        ch.declareQueue(QueueSpec.durable("q"));
        ch.bindExchange("x", "up", "", Map.of());
        ch.bindQueue("q", "x", "", Map.of());

        // When its binding as a source goes
        ch.unbindQueue("q", "x", "", Map.of());

        // Then it goes, and the binding to it with it
        assertThat(fixture.vhost().exchangeNames()).doesNotContain("x").contains("up");
        assertThat(fixture.vhost().bindings()).isEmpty();
    }

    @Test
    void autoDeletionCascadesThroughExchangeToExchangeBindings() {
        // Given: a -> b -> q, both auto-delete
        autoDeleteExchange("a", "fanout");
        autoDeleteExchange("b", "fanout");
        ch.declareQueue(QueueSpec.durable("q"));
        ch.bindExchange("b", "a", "", Map.of());
        ch.bindQueue("q", "b", "", Map.of());

        // When
        ch.deleteQueue("q", false, false);

        // Then b lost its last binding, and with b a lost its own
        assertThat(fixture.vhost().exchangeNames()).doesNotContain("a", "b");
        assertThat(fixture.vhost().bindings()).isEmpty();
    }

    @Test
    void anAutoDeleteExchangeThatLosesItsBindingsByTwoPathsAtOnceGoes() {
        // Given: a -> q directly and a -> b -> q, a and b auto-delete
        autoDeleteExchange("a", "fanout");
        autoDeleteExchange("b", "fanout");
        ch.declareQueue(QueueSpec.durable("q"));
        ch.bindQueue("q", "a", "", Map.of());
        ch.bindExchange("b", "a", "", Map.of());
        ch.bindQueue("q", "b", "", Map.of());

        // When q goes, a loses a -> q, and b goes, so a loses a -> b as well
        ch.deleteQueue("q", false, false);

        // Then, as on RabbitMQ, both are gone
        assertThat(fixture.vhost().exchangeNames()).doesNotContain("a", "b");
        assertThat(fixture.vhost().bindings()).isEmpty();
    }

    @Test
    void deletingAnExchangeAutoDeletesTheAutoDeleteExchangesWhoseLastBindingLedToIt() {
        autoDeleteExchange("a", "fanout");
        ch.declareExchange(ExchangeSpec.durable("b", "fanout"));
        ch.bindExchange("b", "a", "", Map.of());

        ch.deleteExchange("b", false);

        assertThat(fixture.vhost().exchangeNames()).doesNotContain("a", "b");
    }

    @Test
    void anAutoDeleteExchangeGoneAfterItsLastBindingStaysGoneAfterARestart() {
        // Given a durable auto-delete exchange that lost its last (durable) binding
        autoDeleteExchange("x", "fanout");
        ch.declareQueue(QueueSpec.durable("q"));
        ch.bindQueue("q", "x", "", Map.of());
        ch.unbindQueue("q", "x", "", Map.of());

        // When
        fixture.restart();

        // Then
        assertThat(fixture.vhost().exchangeNames()).doesNotContain("x");
        assertThat(fixture.vhost().queueNames()).contains("q");
    }
}
