package io.hermod.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hermod.broker.queue.Queue;
import io.hermod.storage.Durability;
import io.hermod.storage.LogConfig;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The durability policy of durable queues ({@link BrokerConfig#queueDurability()}) reaches their message logs, when
 * they are declared and when they are recovered; transient queues stay {@code os} whatever it says.
 */
@Timeout(30)
class QueueDurabilityPolicyTest {

    @TempDir
    Path dir;

    private Broker broker;

    private Broker open(Durability policy, Duration flushInterval) {
        broker = Broker.open(BrokerConfig.of(dir).withThreads(2).withQueueDurability(policy, flushInterval));
        return broker;
    }

    @AfterEach
    void tearDown() {
        if (broker != null) {
            broker.close();
        }
    }

    private LogConfig logOf(String queue) {
        return broker.vhost(Broker.DEFAULT_VHOST).orElseThrow().queues().stream()
                .filter(q -> q.name().equals(queue))
                .map(Queue::logConfig)
                .findFirst()
                .orElseThrow();
    }

    @Test
    void by_default_durable_queues_fsync_every_append() {
        broker = Broker.open(BrokerConfig.of(dir).withThreads(2));
        broker.connect(Broker.DEFAULT_VHOST, "test").openChannel().declareQueue(QueueSpec.durable("d"));

        assertThat(logOf("d").durability()).isEqualTo(Durability.FSYNC_ALWAYS);
    }

    @Test
    void the_policy_and_interval_reach_durable_queues_but_not_transient_ones() {
        Channel ch = open(Durability.FSYNC_INTERVAL, Duration.ofMillis(250))
                .connect(Broker.DEFAULT_VHOST, "test")
                .openChannel();
        ch.declareQueue(QueueSpec.durable("d"));
        ch.declareQueue(QueueSpec.transientQueue("t"));

        assertThat(logOf("d").durability()).isEqualTo(Durability.FSYNC_INTERVAL);
        assertThat(logOf("d").flushIntervalMs()).isEqualTo(250);
        assertThat(logOf("t").durability()).isEqualTo(Durability.OS);
    }

    @Test
    void a_recovered_queue_takes_the_policy_of_the_new_run() {
        open(Durability.FSYNC_ALWAYS, Duration.ofSeconds(1))
                .connect(Broker.DEFAULT_VHOST, "test")
                .openChannel()
                .declareQueue(QueueSpec.durable("d"));
        broker.close();

        open(Durability.OS, Duration.ofSeconds(1));

        assertThat(logOf("d").durability()).isEqualTo(Durability.OS);
    }

    @Test
    void a_confirm_still_comes_under_os() {
        Channel ch = open(Durability.OS, Duration.ofSeconds(1))
                .connect(Broker.DEFAULT_VHOST, "test")
                .openChannel();
        ch.declareQueue(QueueSpec.durable("d"));

        PublishResult result = BrokerFixture.publish(ch, "", "d", "hello");

        assertThat(result).isNotNull();
        assertThat(broker.vhost(Broker.DEFAULT_VHOST)
                        .orElseThrow()
                        .queueInfo("d")
                        .orElseThrow()
                        .messageCount())
                .isEqualTo(1);
    }

    @Test
    void a_flush_interval_below_a_millisecond_is_refused() {
        BrokerConfig config = BrokerConfig.of(dir);

        assertThatThrownBy(() -> config.withQueueDurability(Durability.FSYNC_INTERVAL, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("queueFlushInterval");
    }
}
