package io.hermod.broker.queue;

import io.hermod.broker.Message;
import io.hermod.broker.definitions.QueueDefinition;
import io.hermod.storage.StorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a {@link Queue} gets rid of a message that leaves it other than by an acknowledgement — rejected, expired, over
 * a length limit, past its delivery limit: dead-lettered through the broker when the queue has an {@code
 * x-dead-letter-exchange} (its own argument or a policy's), settled otherwise.
 *
 * <p>Threading: owned by the queue's serial executor: every method is called there, and the settlement that follows a
 * dead-lettered copy's arrival is handed back to it.
 */
final class DeadLettering implements QueueLimits.Disposer {

    // logs under the queue's name, as when this was part of Queue
    private static final Logger LOG = LoggerFactory.getLogger(Queue.class);

    private final QueueDefinition definition;
    private final QueueHost host;
    private final SharedCursor cursor;
    private final ReadAhead readAhead;
    private final SerialExecutor executor;
    private final QueueStats stats;
    private QueueHost deadLetters; // the host, or null without x-dead-letter-exchange

    DeadLettering(
            QueueDefinition definition,
            QueueHost host,
            SharedCursor cursor,
            ReadAhead readAhead,
            SerialExecutor executor,
            QueueStats stats) {
        this.definition = definition;
        this.host = host;
        this.cursor = cursor;
        this.readAhead = readAhead;
        this.executor = executor;
        this.stats = stats;
    }

    /** Takes the dead-letter exchange the queue now runs with (its arguments, or a policy's), or its absence. */
    void configure(QueueArguments arguments) {
        deadLetters = arguments.deadLetterExchange() == null ? null : host;
    }

    /** Whether the queue dead-letters what it disposes of. */
    boolean enabled() {
        return deadLetters != null;
    }

    /**
     * Disposes of a message leaving the queue other than by an acknowledgement — rejected, expired, over a length
     * limit — wherever it stands (ready, taken, unacknowledged). With a dead-letter exchange a copy goes there and the
     * original is held, neither ready nor settled, until the copy is safe in the queues it reached (then settled: at
     * least once, a crash before brings it back); without one it is settled at once.
     *
     * @param m the message if already read, else null (read here when it is to be dead-lettered)
     */
    @Override
    public void dispose(long offset, StoredMessage m, DeadLetterReason reason) {
        cursor.hold(offset);
        if (deadLetters == null) {
            cursor.settle(offset);
            return;
        }
        StoredMessage message = m;
        if (message == null) {
            try {
                message = readAhead.readOne(offset);
            } catch (StorageException | IllegalStateException e) {
                LOG.error(
                        "Queue {} cannot read the message at {} to dead-letter it: {}",
                        definition.name(),
                        offset,
                        e.toString());
            }
        }
        if (message == null) {
            cursor.settle(offset);
            return;
        }
        try {
            stats.onDeadLettered(reason);
            deadLetters.deadLetter(definition, message, reason, () -> executor.execute(() -> cursor.settle(offset)));
        } catch (RuntimeException e) {
            LOG.error("Queue {} failed to dead-letter the message at offset {}", definition.name(), offset, e);
            cursor.settle(offset);
        }
    }

    /**
     * A publish the queue's length limit refused: under {@code x-overflow reject-publish-dlx} ({@code
     * deadLettersRefused}) it is dead-lettered as RabbitMQ does, never stored here.
     */
    void refused(Message message, long now, boolean deadLettersRefused) {
        if (deadLettersRefused && deadLetters != null) {
            deadLetters.deadLetter(
                    definition, MessageCodec.stored(message, -1, now), DeadLetterReason.MAXLEN, () -> {});
        }
    }
}
