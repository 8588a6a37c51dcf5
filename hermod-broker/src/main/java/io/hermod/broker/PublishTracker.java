package io.hermod.broker;

import io.hermod.broker.queue.EnqueueCallback;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Gathers the answers of every queue a published message reached into one {@link PublishResult}: it completes when the
 * last queue has taken the message, and fails if any queue failed to (a negative confirm, never silence).
 *
 * <p>Thread-safe: queues answer from their own threads.
 */
final class PublishTracker implements EnqueueCallback {

    private final int queues;
    private final AtomicInteger remaining;
    private final AtomicReference<BrokerException> failure = new AtomicReference<>();
    private final CompletableFuture<PublishResult> result = new CompletableFuture<>();

    PublishTracker(int queues) {
        this.queues = queues;
        this.remaining = new AtomicInteger(queues);
        if (queues == 0) {
            result.complete(PublishResult.routedTo(0));
        }
    }

    CompletableFuture<PublishResult> result() {
        return result;
    }

    @Override
    public void onEnqueued(BrokerException e) {
        if (e != null) {
            failure.compareAndSet(null, e);
        }
        if (remaining.decrementAndGet() == 0) {
            BrokerException failed = failure.get();
            if (failed == null) {
                result.complete(PublishResult.routedTo(queues));
            } else {
                result.completeExceptionally(failed);
            }
        }
    }
}
