package io.hermod.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.MessageProperties;
import com.rabbitmq.client.Return;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The tx class (spec 1.9) with RabbitMQ's semantics: publishes and acknowledgements of a transactional channel take
 * effect at commit, in order, and not at all after a rollback.
 */
class TransactionTest extends ServerTestSupport {

    @Test
    void publishesAreInvisibleUntilCommitAndThenAllThereInOrder() throws Exception {
        Channel tx = channel();
        Channel observer = channel();
        observer.queueDeclare("tx-q", true, false, false, null);
        tx.txSelect();

        for (int i = 0; i < 10; i++) {
            tx.basicPublish("", "tx-q", MessageProperties.PERSISTENT_TEXT_PLAIN, bytes("m" + i));
        }
        await().during(Duration.ofMillis(200)).until(() -> observer.messageCount("tx-q") == 0);
        tx.txCommit();

        assertThat(observer.messageCount("tx-q")).isEqualTo(10); // commit-ok follows the stored messages
        for (int i = 0; i < 10; i++) {
            assertThat(text(observer.basicGet("tx-q", true).getBody())).isEqualTo("m" + i);
        }
    }

    @Test
    void rollbackDiscardsThePublishesAndTheChannelStaysTransactional() throws Exception {
        Channel tx = channel();
        String queue = tx.queueDeclare().getQueue();
        tx.txSelect();

        tx.basicPublish("", queue, null, bytes("discarded"));
        tx.txRollback();
        tx.basicPublish("", queue, null, bytes("kept"));
        tx.txCommit();

        assertThat(tx.messageCount(queue)).isEqualTo(1);
        assertThat(text(tx.basicGet(queue, true).getBody())).isEqualTo("kept");
    }

    @Test
    void acksNacksAndRejectsTakeEffectAtCommitAndRolledBackOnesLeaveTheMessagesUnacked() throws Exception {
        Channel setup = channel();
        String queue = setup.queueDeclare().getQueue();
        for (int i = 0; i < 4; i++) {
            setup.basicPublish("", queue, null, bytes("m" + i));
        }
        await().until(() -> setup.messageCount(queue) == 4);
        Channel tx = channel();
        tx.txSelect();
        GetResponse m0 = tx.basicGet(queue, false);
        GetResponse m1 = tx.basicGet(queue, false);
        GetResponse m2 = tx.basicGet(queue, false);
        GetResponse m3 = tx.basicGet(queue, false);

        tx.basicAck(m0.getEnvelope().getDeliveryTag(), false);
        tx.basicReject(m1.getEnvelope().getDeliveryTag(), true);
        tx.txRollback(); // neither happened
        tx.basicAck(m1.getEnvelope().getDeliveryTag(), false);
        tx.basicNack(m2.getEnvelope().getDeliveryTag(), false, true);
        tx.basicReject(m3.getEnvelope().getDeliveryTag(), false);
        await().during(Duration.ofMillis(200)).until(() -> setup.messageCount(queue) == 0);
        tx.txCommit();

        await().until(() -> setup.messageCount(queue) == 1);
        GetResponse requeued = setup.basicGet(queue, true);
        assertThat(text(requeued.getBody())).isEqualTo("m2");
        assertThat(requeued.getEnvelope().isRedeliver()).isTrue();
        tx.close(); // m0, still unacknowledged after the rollback, goes back
        await().until(() -> setup.messageCount(queue) == 1);
        assertThat(text(setup.basicGet(queue, true).getBody())).isEqualTo("m0");
    }

    @Test
    void anUnroutableMandatoryPublishIsReturnedBeforeCommitOk() throws Exception {
        Channel tx = channel();
        List<String> returned = new CopyOnWriteArrayList<>();
        tx.addReturnListener((Return r) -> returned.add(text(r.getBody())));
        tx.txSelect();

        tx.basicPublish("amq.direct", "nobody", true, null, bytes("back"));
        await().during(Duration.ofMillis(200)).until(returned::isEmpty);
        tx.txCommit();

        assertThat(returned).containsExactly("back");
    }

    @Test
    void commitAndRollbackOnANonTransactionalChannelArePreconditionFailures() throws Exception {
        assertThat(assertChannelError(406, () -> channel().txCommit())).contains("channel is not transactional");
        assertThat(assertChannelError(406, () -> channel().txRollback())).contains("channel is not transactional");
    }

    @Test
    void aConfirmChannelCannotSwitchToTxMode() throws Exception {
        Channel ch = channel();
        ch.confirmSelect();

        assertThat(assertChannelError(406, ch::txSelect)).contains("cannot switch from confirm to tx mode");
    }

    @Test
    void aPublishToAMissingExchangeFailsAtOnceNotAtCommit() throws Exception {
        Channel ch = channel();
        ch.txSelect();

        ch.basicPublish("missing", "k", null, bytes("x"));

        assertChannelError(404, ch::queueDeclare);
    }

    @Test
    void anAckOfAnUnknownTagFailsAtOnceNotAtTheCommit() throws Exception {
        Channel ch = channel();
        ch.txSelect();

        ch.basicAck(99, false);

        // rabbit_channel checks the tags as they arrive (the Java client's InvalidAcksTx and Transactions tests)
        assertThat(assertChannelError(406, ch::txSelect)).isEqualTo("PRECONDITION_FAILED - unknown delivery tag 99");
    }

    @Test
    void aTagAckedTwiceInOneTransactionIsUnknownTheSecondTime() throws Exception {
        Channel ch = channel();
        String queue = ch.queueDeclare().getQueue();
        ch.basicPublish("", queue, null, bytes("m"));
        await().until(() -> ch.messageCount(queue) == 1);
        ch.txSelect();
        long tag = ch.basicGet(queue, false).getEnvelope().getDeliveryTag();

        ch.basicAck(tag, false);
        ch.basicAck(tag, false);

        assertChannelError(406, ch::txCommit);
    }

    @Test
    void anAckedButUncommittedMessageIsNotRecoveredUntilTheTransactionRollsBack() throws Exception {
        Channel ch = channel();
        String queue = ch.queueDeclare().getQueue();
        ch.basicPublish("", queue, null, bytes("m"));
        await().until(() -> ch.messageCount(queue) == 1);
        ch.txSelect();
        List<String> delivered = new CopyOnWriteArrayList<>();
        ch.basicQos(1);
        ch.basicConsume(queue, false, (consumerTag, d) -> delivered.add(text(d.getBody())), consumerTag -> {});
        await().until(() -> delivered.size() == 1);

        ch.basicAck(1, false);
        ch.basicRecover(true);

        await().during(Duration.ofMillis(200)).until(() -> delivered.size() == 1); // not redelivered
        ch.txRollback(); // unacknowledged again, under its tag
        ch.basicRecover(true);
        await().until(() -> delivered.size() == 2);
        ch.basicAck(2, false);
        ch.txCommit();
        ch.basicRecover(true); // settled now: nothing left to recover
        await().during(Duration.ofMillis(200)).until(() -> delivered.size() == 2);
    }
}
