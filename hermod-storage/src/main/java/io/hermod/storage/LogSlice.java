package io.hermod.storage;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A region of a segment file holding whole record batches, for zero-copy sends ({@link #transferTo}, or a Netty
 * {@code FileRegion} built from {@link #channel()}, {@link #position()} and {@link #size()}; the raw channel is shared
 * and closes if any thread using it is interrupted, which {@link #transferTo} survives and a raw user must not cause). The slice holds a
 * lease on the file so that it stays open however many other files the store opens meanwhile; {@link #close()} it
 * when the send is done. Thread-safe; close is idempotent.
 */
public final class LogSlice implements AutoCloseable {

    private final PooledFile file;
    private final FileChannel channel;
    private final long position;
    private final int size;
    private final AtomicBoolean closed = new AtomicBoolean();

    LogSlice(PooledFile file, FileChannel channel, long position, int size) {
        this.file = file;
        this.channel = channel;
        this.position = position;
        this.size = size;
    }

    public FileChannel channel() {
        return channel;
    }

    public long position() {
        return position;
    }

    public int size() {
        return size;
    }

    /**
     * Sends the region to {@code target} and returns the bytes sent: all of them for a blocking target, possibly fewer
     * for a non-blocking one that stops taking bytes (send the rest from {@code position() + sent} later).
     */
    public long transferTo(WritableByteChannel target) throws IOException {
        long sent = 0;
        FileChannel ch = channel;
        while (sent < size) {
            long n;
            try {
                n = ch.transferTo(position + sent, size - sent, target);
            } catch (ClosedChannelException e) {
                if (!target.isOpen() || Thread.currentThread().isInterrupted() || file.isClosedForGood()) {
                    throw e; // the target went, or this thread was interrupted: the caller's business
                }
                // another thread's interrupt closed the shared file channel: carry on with a fresh one
                file.invalidate(ch);
                ch = file.acquire();
                file.release(); // this slice's own lease still pins the file
                continue;
            }
            if (n <= 0) {
                break;
            }
            sent += n;
        }
        return sent;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            file.release();
        }
    }
}
