package io.hermod.storage;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds the number of segment files held open across all logs of a store, so that 10,000 logs do not need 10,000
 * file descriptors. Open files sit in a clock ring; when more than {@code maxOpen} are open, the ring is swept and
 * files that are not leased, not awaiting an fsync and not used since the last sweep are closed. A closed file is
 * reopened on its next use. The limit is soft: when every open file is in use it is exceeded rather than blocking.
 *
 * <p>Thread-safe: any thread may open files; sweeps are serialised by the ring's lock and never block on a file's
 * lock (they skip a busy file).
 */
final class FileHandlePool {

    private static final Logger LOG = LoggerFactory.getLogger(FileHandlePool.class);

    private final int maxOpen;
    private final StorageFileSystem fileSystem;
    private final ConcurrentLinkedQueue<PooledFile> ring = new ConcurrentLinkedQueue<>();
    private final AtomicInteger openCount = new AtomicInteger();
    private final Object sweepLock = new Object();
    private boolean warnedOverLimit;

    FileHandlePool(int maxOpen, StorageFileSystem fileSystem) {
        if (maxOpen < 1) {
            throw new IllegalArgumentException("maxOpen must be >= 1: " + maxOpen);
        }
        this.maxOpen = maxOpen;
        this.fileSystem = fileSystem;
    }

    StorageFileSystem fileSystem() {
        return fileSystem;
    }

    int openCount() {
        return openCount.get();
    }

    /** Called by a file that has just opened its channel (under that file's lock). */
    void onOpened(PooledFile file, boolean addToRing) {
        if (addToRing) {
            ring.add(file);
        }
        if (openCount.incrementAndGet() > maxOpen) {
            sweep();
        }
    }

    /** Called by a file that has just closed its channel for good or by eviction. */
    void onClosed() {
        openCount.decrementAndGet();
    }

    private void sweep() {
        synchronized (sweepLock) {
            int budget = 2 * ring.size() + 1;
            while (openCount.get() > maxOpen && budget-- > 0) {
                PooledFile file = ring.poll();
                if (file == null) {
                    break;
                }
                switch (file.tryEvict()) {
                    case EVICTED, NOT_OPEN -> {}
                    case KEPT -> ring.add(file);
                }
            }
            if (openCount.get() > maxOpen && !warnedOverLimit) {
                warnedOverLimit = true;
                LOG.warn("{} segment files are in use at once, above the limit of {}", openCount.get(), maxOpen);
            }
        }
    }
}
