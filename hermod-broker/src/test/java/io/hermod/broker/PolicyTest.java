package io.hermod.broker;

import static io.hermod.broker.BrokerFixture.assertFails;
import static io.hermod.broker.BrokerFixture.eventually;
import static io.hermod.broker.BrokerFixture.publish;
import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.broker.definitions.PolicyDefinition;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Policies and operator policies (RabbitMQ's): queue arguments for every queue whose name matches, applied at once to
 * existing queues and to new ones; the highest priority applies; numeric limits take the lowest of argument, policy
 * and operator policy, other keys the queue's own argument first; persisted with the definitions.
 */
@Timeout(30)
class PolicyTest extends ClockedBrokerTest {

    private void policy(String name, String pattern, int priority, Map<String, Object> definition) {
        broker.setPolicy(new PolicyDefinition("/", name, pattern, "queues", priority, definition, false));
    }

    private void operatorPolicy(String name, String pattern, Map<String, Object> definition) {
        broker.setPolicy(new PolicyDefinition("/", name, pattern, "queues", 0, definition, true));
    }

    private long ready(String queue) {
        return ch.declareQueuePassive(queue).messageCount();
    }

    private void fill(String queue, int n) {
        for (int i = 0; i < n; i++) {
            publish(ch, "", queue, queue + i);
        }
    }

    @Test
    void aPolicyAppliesToMatchingQueuesExistingAndNewAndNotToOthers() {
        ch.declareQueue(QueueSpec.durable("jobs.a"));
        ch.declareQueue(QueueSpec.durable("other"));
        fill("jobs.a", 5);

        policy("cap", "^jobs\\.", 0, Map.of("max-length", 2));
        eventually().until(() -> ready("jobs.a") == 2); // applied at once: the oldest go
        ch.declareQueue(QueueSpec.durable("jobs.b"));
        fill("jobs.b", 4);
        fill("other", 4);

        assertThat(ready("jobs.b")).isEqualTo(2);
        assertThat(ready("other")).isEqualTo(4);
        assertThat(BrokerFixture.drain(ch, "jobs.a")).containsExactly("jobs.a3", "jobs.a4");
    }

    @Test
    void clearingThePolicyGivesTheQueueItsOwnArgumentsBack() {
        ch.declareQueue(QueueSpec.durable("jobs"));
        policy("cap", "jobs", 0, Map.of("max-length", 1));
        fill("jobs", 3);
        assertThat(ready("jobs")).isEqualTo(1);

        broker.clearPolicy("/", "cap", false);
        fill("jobs", 3);
        assertThat(ready("jobs")).isEqualTo(4);
    }

    @Test
    void limitsTakeTheLowestAndOtherKeysTheQueuesOwnArgument() {
        ch.declareExchange(new ExchangeSpec("own-dlx", "fanout", true, false, false, Map.of()));
        ch.declareExchange(new ExchangeSpec("policy-dlx", "fanout", true, false, false, Map.of()));
        ch.declareQueue(QueueSpec.durable("own-dead"));
        ch.declareQueue(QueueSpec.durable("policy-dead"));
        ch.bindQueue("own-dead", "own-dlx", "", Map.of());
        ch.bindQueue("policy-dead", "policy-dlx", "", Map.of());
        ch.declareQueue(
                new QueueSpec("q", true, false, false, Map.of("x-max-length", 3, "x-dead-letter-exchange", "own-dlx")));
        ch.declareQueue(new QueueSpec("loose", true, false, false, Map.of("x-max-length", 1)));
        policy("p", "^(q|loose)$", 0, Map.of("max-length", 2, "dead-letter-exchange", "policy-dlx"));

        fill("q", 3);
        fill("loose", 3);

        assertThat(ready("q"))
                .as("the policy's 2 is lower than the argument's 3")
                .isEqualTo(2);
        assertThat(ready("loose"))
                .as("the argument's 1 is lower than the policy's 2")
                .isEqualTo(1);
        eventually().until(() -> ready("own-dead") == 1);
        assertThat(ready("policy-dead"))
                .as("loose has no dead-letter exchange of its own: the policy's applies")
                .isEqualTo(2);
    }

    @Test
    void theHighestPriorityPolicyApplies() {
        ch.declareQueue(QueueSpec.durable("jobs"));
        policy("low", ".*", 1, Map.of("max-length", 1));
        policy("high", "^jobs$", 5, Map.of("max-length", 3));
        fill("jobs", 5);
        assertThat(ready("jobs")).isEqualTo(3);
    }

    @Test
    void anOperatorPolicyCapsWhateverTheQueueAndPolicySay() {
        ch.declareQueue(new QueueSpec("jobs", true, false, false, Map.of("x-max-length", 10)));
        policy("generous", "jobs", 0, Map.of("max-length", 8));
        operatorPolicy("ops", ".*", Map.of("max-length", 2));
        fill("jobs", 5);
        assertThat(ready("jobs")).isEqualTo(2);

        assertFails(
                ErrorCode.PRECONDITION_FAILED, () -> operatorPolicy("bad", ".*", Map.of("dead-letter-exchange", "x")));
    }

    @Test
    void aPolicysMessageTtlAndDeadLetterExchangeWorkTogether() {
        ch.declareQueue(QueueSpec.durable("parked"));
        ch.declareQueue(QueueSpec.durable("work"));
        policy(
                "expire",
                "^work$",
                0,
                Map.of("message-ttl", 1_000, "dead-letter-exchange", "", "dead-letter-routing-key", "parked"));
        publish(ch, "", "work", "m");
        tick(1_001);
        eventually().until(() -> ready("parked") == 1);
        assertThat(ready("work")).isZero();
    }

    @Test
    void policiesSurviveARestart() {
        ch.declareQueue(QueueSpec.durable("jobs"));
        policy("cap", "jobs", 0, Map.of("max-length", 1));
        operatorPolicy("ops", "jobs", Map.of("message-ttl", 60_000));

        restart();

        assertThat(broker.vhost("/").orElseThrow().policies()).hasSize(2);
        fill("jobs", 3);
        assertThat(ready("jobs")).isEqualTo(1);
    }

    @Test
    void badPoliciesAreRefused() {
        assertFails(ErrorCode.PRECONDITION_FAILED, () -> policy("p", "(", 0, Map.of("max-length", 1)));
        assertFails(ErrorCode.PRECONDITION_FAILED, () -> policy("p", ".*", 0, Map.of("no-such-key", 1)));
        assertFails(ErrorCode.PRECONDITION_FAILED, () -> policy("p", ".*", 0, Map.of("max-length", -1)));
        assertFails(ErrorCode.PRECONDITION_FAILED, () -> policy("p", ".*", 0, Map.of()));
        assertFails(
                ErrorCode.NOT_FOUND,
                () -> broker.setPolicy(
                        new PolicyDefinition("nope", "p", ".*", "queues", 0, Map.of("max-length", 1), false)));
        assertThat(broker.vhost("/").orElseThrow().policies()).isEmpty();
    }
}
