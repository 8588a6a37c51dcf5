package io.hermod.broker.queue;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The heap budget for message bodies that all queues of a broker share: queues keep a few messages just appended or
 * read ahead, within this budget, so that the bodies of a backlog stay on disk (the page cache holds recent segments).
 * Thread-safe.
 */
public final class MessageCache {

    private final long budgetBytes;
    private final long perQueueBytes;
    private final AtomicLong used = new AtomicLong();

    /** A budget of {@code budgetBytes} in all, of which one queue may hold at most {@code perQueueBytes}. */
    public MessageCache(long budgetBytes, long perQueueBytes) {
        if (budgetBytes < 0 || perQueueBytes < 0) {
            throw new IllegalArgumentException("cache budgets must be >= 0");
        }
        this.budgetBytes = budgetBytes;
        this.perQueueBytes = perQueueBytes;
    }

    /** Reserves {@code bytes} for a queue already holding {@code queueHolds}; false (nothing reserved) if over budget. */
    boolean reserve(long queueHolds, int bytes) {
        if (queueHolds + bytes > perQueueBytes) {
            return false;
        }
        long now = used.addAndGet(bytes);
        if (now > budgetBytes) {
            used.addAndGet(-bytes);
            return false;
        }
        return true;
    }

    void release(long bytes) {
        used.addAndGet(-bytes);
    }

    /** The bytes held now by all queues. */
    public long usedBytes() {
        return used.get();
    }
}
