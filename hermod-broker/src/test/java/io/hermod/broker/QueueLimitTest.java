package io.hermod.broker;

import static io.hermod.broker.BrokerFixture.assertFails;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker-wide queue limit ({@link BrokerConfig#maxQueues()}, RabbitMQ's {@code cluster_queue_limit}): a new queue
 * beyond it is refused with PRECONDITION_FAILED, counting every vhost; what exists stays usable.
 */
@Timeout(30)
class QueueLimitTest {

    @TempDir
    Path dir;

    private Broker broker;

    private Broker open(int maxQueues) {
        broker = Broker.open(BrokerConfig.of(dir).withThreads(2).withMaxQueues(maxQueues));
        return broker;
    }

    @AfterEach
    void tearDown() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void a_new_queue_beyond_the_limit_is_refused_with_precondition_failed() {
        Channel ch = open(2).connect(Broker.DEFAULT_VHOST, "test").openChannel();
        ch.declareQueue(QueueSpec.durable("one"));
        ch.declareQueue(QueueSpec.transientQueue("two"));

        assertFails(ErrorCode.PRECONDITION_FAILED, () -> ch.declareQueue(QueueSpec.durable("three")));
        assertThatThrownBy(() -> ch.declareQueue(QueueSpec.durable("three")))
                .hasMessage("cannot declare queue 'three': queue limit of the broker (2) is reached");
        assertThat(broker.vhost(Broker.DEFAULT_VHOST).orElseThrow().queueNames())
                .containsExactlyInAnyOrder("one", "two");
    }

    @Test
    void a_queue_that_exists_may_still_be_declared_and_a_deleted_one_frees_its_place() {
        Channel ch = open(1).connect(Broker.DEFAULT_VHOST, "test").openChannel();
        ch.declareQueue(QueueSpec.durable("one"));

        assertThat(ch.declareQueue(QueueSpec.durable("one")).name()).isEqualTo("one");
        assertThat(ch.declareQueuePassive("one").name()).isEqualTo("one");

        ch.deleteQueue("one", false, false);
        assertThat(ch.declareQueue(QueueSpec.durable("two")).name()).isEqualTo("two");
    }

    @Test
    void the_limit_counts_the_queues_of_every_vhost() {
        open(1);
        broker.addVhost("other");
        broker.setPermissions("other", "guest", ".*", ".*", ".*");
        broker.connect(Broker.DEFAULT_VHOST, "test").openChannel().declareQueue(QueueSpec.durable("one"));

        Channel other = broker.connect("other", "test").openChannel();
        assertFails(ErrorCode.PRECONDITION_FAILED, () -> other.declareQueue(QueueSpec.durable("two")));
    }

    @Test
    void without_a_limit_any_number_of_queues_may_be_declared() {
        Channel ch = open(BrokerConfig.NO_QUEUE_LIMIT)
                .connect(Broker.DEFAULT_VHOST, "test")
                .openChannel();
        for (int i = 0; i < 50; i++) {
            ch.declareQueue(QueueSpec.transientQueue("q" + i));
        }

        assertThat(broker.vhost(Broker.DEFAULT_VHOST).orElseThrow().queueNames())
                .hasSize(50);
    }
}
