package io.hermod.bench.storage;

import java.util.concurrent.CompletableFuture;

/**
 * The bounded window of unacknowledged appends a pipelining producer keeps (Kafka's
 * {@code max.in.flight.requests}, an AMQP publisher's unconfirmed window): at most {@code maxAppends} completions and
 * {@code maxBytes} bytes outstanding. Adding to a full window first retires completions that have finished, then
 * blocks on the oldest until there is room. Completions that are already done when added (everything under {@code os}
 * durability) take no slot. A failed completion rethrows from {@link #add} or {@link #drain}.
 *
 * <p>Threading: confined to the one benchmark thread that owns it; the completions themselves finish on storage
 * threads. Allocation-free after construction.
 */
final class InFlightWindow {

    private final CompletableFuture<?>[] futures;
    private final int[] bytes;
    private final long maxBytes;
    private int head;
    private int size;
    private long bytesInFlight;

    InFlightWindow(int maxAppends, long maxBytes) {
        if (maxAppends < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("window must hold at least one append: " + maxAppends + ", " + maxBytes);
        }
        this.futures = new CompletableFuture<?>[maxAppends];
        this.bytes = new int[maxAppends];
        this.maxBytes = maxBytes;
    }

    /** Tracks the completion of an append of {@code appendBytes}; blocks while the window is full. */
    void add(CompletableFuture<?> completion, int appendBytes) {
        if (completion.isDone()) {
            completion.join();
            return;
        }
        while (size > 0 && futures[head].isDone()) {
            retireOldest();
        }
        while (size == futures.length || (size > 0 && bytesInFlight + appendBytes > maxBytes)) {
            retireOldest();
        }
        int tail = (head + size) % futures.length;
        futures[tail] = completion;
        bytes[tail] = appendBytes;
        bytesInFlight += appendBytes;
        size++;
    }

    /** Waits for every outstanding completion. */
    void drain() {
        while (size > 0) {
            retireOldest();
        }
    }

    int size() {
        return size;
    }

    private void retireOldest() {
        CompletableFuture<?> oldest = futures[head];
        futures[head] = null;
        bytesInFlight -= bytes[head];
        head = (head + 1) % futures.length;
        size--;
        oldest.join();
    }
}
