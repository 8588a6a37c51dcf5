package io.hermod.amqp.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.amqp.codec.AmqpMethod;
import io.hermod.amqp.codec.BasicAck;
import io.hermod.amqp.codec.BasicNack;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class PublisherConfirmsCoalescingTest {

    private final PublisherConfirms confirms = new PublisherConfirms();
    private final List<AmqpMethod> sent = new ArrayList<>();

    private void publish(int n) {
        for (int i = 0; i < n; i++) {
            confirms.next();
        }
    }

    private List<AmqpMethod> flush() {
        sent.clear();
        confirms.flush(sent::add);
        return sent;
    }

    @Test
    void aBurstOfSettlementsIsOneMultipleAck() {
        publish(100);
        assertThat(confirms.settled(1, true)).as("the first schedules a flush").isTrue();
        for (long seq = 2; seq <= 100; seq++) {
            assertThat(confirms.settled(seq, true))
                    .as("a flush is scheduled already")
                    .isFalse();
        }
        assertThat(flush()).containsExactly(new BasicAck(100, true));
        assertThat(flush()).as("nothing new").isEmpty();
    }

    @Test
    void aSingleSettlementIsASingleAck() {
        publish(2);
        confirms.settled(1, true);
        assertThat(flush()).containsExactly(new BasicAck(1, false));
        assertThat(confirms.settled(2, true))
                .as("the next burst schedules again")
                .isTrue();
        assertThat(flush()).containsExactly(new BasicAck(2, false));
    }

    @Test
    void aPublishSettledAheadOfAnEarlierOneWaitsForIt() {
        publish(3);
        confirms.settled(2, true);
        confirms.settled(3, true);
        assertThat(flush()).as("1 is not settled: nothing may be confirmed").isEmpty();
        assertThat(confirms.settled(1, true)).isTrue();
        assertThat(flush()).containsExactly(new BasicAck(3, true));
    }

    @Test
    void aFailedPublishIsNackedAloneAndNoMultipleAckCoversIt() {
        publish(6);
        confirms.settled(1, true);
        confirms.settled(2, true);
        confirms.settled(3, false);
        confirms.settled(4, true);
        confirms.settled(5, true);
        assertThat(flush())
                .containsExactly(
                        new BasicAck(2, true),
                        new BasicNack(3, false, false),
                        new BasicAck(4, false),
                        new BasicAck(5, false));
        confirms.settled(6, true);
        assertThat(flush()).containsExactly(new BasicAck(6, false));
    }

    @Test
    void aFailureFirstIsNackedWithoutAnAckBeforeIt() {
        publish(2);
        confirms.settled(1, false);
        confirms.settled(2, true);
        assertThat(flush()).containsExactly(new BasicNack(1, false, false), new BasicAck(2, false));
    }

    /** Whatever the order of settlements and flushes: every publish is confirmed exactly once, in order. */
    @RepeatedTest(50)
    void everyPublishIsConfirmedOnceInOrder() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int n = random.nextInt(1, 300);
        publish(n);
        List<Long> order = new ArrayList<>();
        for (long seq = 1; seq <= n; seq++) {
            order.add(seq);
        }
        java.util.Collections.shuffle(order, random);
        boolean[] failed = new boolean[n + 1];
        List<AmqpMethod> all = new ArrayList<>();
        for (long seq : order) {
            failed[(int) seq] = random.nextInt(20) == 0;
            confirms.settled(seq, !failed[(int) seq]);
            if (random.nextInt(5) == 0) {
                all.addAll(flush());
            }
        }
        all.addAll(flush());
        long confirmedThrough = 0;
        for (AmqpMethod m : all) {
            if (m instanceof BasicAck ack) {
                long from = ack.multiple() ? confirmedThrough + 1 : ack.deliveryTag();
                assertThat(from).isEqualTo(confirmedThrough + 1);
                for (long seq = from; seq <= ack.deliveryTag(); seq++) {
                    assertThat(failed[(int) seq]).as("acked %d failed", seq).isFalse();
                }
                confirmedThrough = ack.deliveryTag();
            } else {
                BasicNack nack = (BasicNack) m;
                assertThat(nack.multiple()).isFalse();
                assertThat(nack.deliveryTag()).isEqualTo(confirmedThrough + 1);
                assertThat(failed[(int) nack.deliveryTag()]).isTrue();
                confirmedThrough = nack.deliveryTag();
            }
        }
        assertThat(confirmedThrough).isEqualTo(n);
    }
}
