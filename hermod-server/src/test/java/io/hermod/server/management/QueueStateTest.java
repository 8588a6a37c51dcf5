package io.hermod.server.management;

import static org.assertj.core.api.Assertions.assertThat;

import io.hermod.broker.QueueStatus;
import io.hermod.broker.definitions.QueueDefinition;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A queue's {@code state} as RabbitMQ's management API names it: {@code flow} while its publishers are paced. */
class QueueStateTest {

    private static final QueueDefinition QUEUE =
            new QueueDefinition("/", "jobs", "0123456789abcdef", true, false, false, Map.of());

    @Test
    void aPacedQueueIsInFlowAndAnyOtherIsRunning() {
        Map<String, Object> paced =
                QueueResource.json(new QueueStatus(QUEUE, 512, 100, 1, true), Optional.empty(), List.of());
        Map<String, Object> unpaced =
                QueueResource.json(new QueueStatus(QUEUE, 512, 100, 1, false), Optional.empty(), List.of());

        assertThat(paced).containsEntry("state", "flow");
        assertThat(unpaced).containsEntry("state", "running");
    }
}
