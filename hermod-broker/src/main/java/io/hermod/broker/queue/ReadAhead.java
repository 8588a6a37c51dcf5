package io.hermod.broker.queue;

import io.hermod.storage.Log;
import io.hermod.storage.record.Record;
import io.hermod.storage.record.RecordBatch;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The few message bodies a queue keeps on the heap: those just appended, while consumers keep up, and those read ahead
 * of the cursor in one sequential read when they do not. It holds a run of consecutive offsets in order, within the
 * queue's share of the broker's {@link MessageCache}, and the last batch a requeued message was read from; anything
 * else is read from the log when needed.
 *
 * <p>Not thread-safe: owned by the queue's executor.
 */
final class ReadAhead {

    private static final int READ_BYTES = 256 << 10;
    private static final Record[] NO_RECORDS = {};

    private final Log log;
    private final MessageCache cache;
    private final ArrayDeque<StoredMessage> messages = new ArrayDeque<>();
    private long heldBytes;
    /**
     * The records of the batch the last {@link #readOne} read, by offset from {@code requeuedBase}: requeued messages go
     * out oldest first, so the next one is usually in it, and a batch holds up to thousands of messages that would each
     * otherwise cost reading, checking and decoding the whole batch again. Within the budget, like the run.
     */
    private Record[] requeuedBatch = NO_RECORDS;

    private long requeuedBase;
    private long requeuedBytes;

    ReadAhead(Log log, MessageCache cache) {
        this.log = log;
        this.cache = cache;
    }

    /** Keeps a message just appended, if it continues the run the cursor will read next and the budget allows. */
    void offerAppended(StoredMessage message, long streamPosition) {
        boolean continues = messages.isEmpty()
                ? message.offset() == streamPosition
                : messages.peekLast().offset() + 1 == message.offset();
        if (continues && cache.reserve(heldBytes + requeuedBytes, message.heapBytes())) {
            messages.addLast(message);
            heldBytes += message.heapBytes();
        }
    }

    /**
     * The message at the stream offset the cursor took; reads ahead from the log when it is not held. Offsets below
     * it are dropped: the cursor never goes back on the stream (returned messages are read with {@link #readOne}).
     */
    StoredMessage take(long offset) {
        while (!messages.isEmpty() && messages.peekFirst().offset() < offset) {
            drop(messages.pollFirst());
        }
        if (messages.isEmpty() || messages.peekFirst().offset() != offset) {
            clearRun();
            return fill(offset);
        }
        StoredMessage m = messages.pollFirst();
        drop(m);
        return m;
    }

    /**
     * The message at the stream offset the cursor would take next, left in the run for that take (when the budget
     * allows): a look at the head, for its age. Offsets below it are dropped, as by {@link #take}.
     */
    StoredMessage peek(long offset) {
        StoredMessage m = take(offset);
        if (m != null && cache.reserve(heldBytes + requeuedBytes, m.heapBytes())) {
            messages.addFirst(m);
            heldBytes += m.heapBytes();
        }
        return m;
    }

    /** Reads one message without disturbing the run (a requeued message, older than the stream position). */
    StoredMessage readOne(long offset) {
        if (!messages.isEmpty() && offset >= messages.peekFirst().offset()) {
            for (StoredMessage m : messages) {
                if (m.offset() == offset) {
                    return m;
                }
            }
        }
        if (offset >= requeuedBase && offset - requeuedBase < requeuedBatch.length) {
            Record r = requeuedBatch[(int) (offset - requeuedBase)];
            if (r != null) {
                return MessageCodec.decode(r);
            }
        }
        for (ByteBuffer buf : log.read(offset, 1)) {
            for (RecordBatch batch : RecordBatch.batches(buf)) {
                if (offset >= batch.baseOffset() && offset <= batch.lastOffset()) {
                    return keepRequeuedBatch(batch, buf.limit(), offset);
                }
            }
        }
        return null;
    }

    /** Keeps the records of a batch if the budget allows, and returns the message at {@code offset} (or null). */
    private StoredMessage keepRequeuedBatch(RecordBatch batch, int bytes, long offset) {
        dropRequeuedBatch();
        Record[] records = new Record[(int) (batch.lastOffset() - batch.baseOffset() + 1)];
        Record found = null;
        for (Record r : batch.records()) {
            records[(int) (r.offset() - batch.baseOffset())] = r;
            if (r.offset() == offset) {
                found = r;
            }
        }
        long held = bytes + (long) records.length * StoredMessage.HEAP_OVERHEAD; // each decoded when it is asked for
        if (held <= Integer.MAX_VALUE && cache.reserve(heldBytes + requeuedBytes, (int) held)) {
            requeuedBatch = records;
            requeuedBase = batch.baseOffset();
            requeuedBytes = held;
        }
        return found == null ? null : MessageCodec.decode(found);
    }

    private void dropRequeuedBatch() {
        cache.release(requeuedBytes);
        requeuedBytes = 0;
        requeuedBatch = NO_RECORDS;
    }

    /** Reads from {@code offset} on, returns that message and keeps the following ones within the budget. */
    private StoredMessage fill(long offset) {
        StoredMessage first = null;
        for (ByteBuffer buf : log.read(offset, READ_BYTES)) {
            for (RecordBatch batch : RecordBatch.batches(buf)) {
                if (batch.lastOffset() < offset) {
                    continue;
                }
                for (Record r : batch.records()) {
                    if (r.offset() < offset) {
                        continue;
                    }
                    StoredMessage m = MessageCodec.decode(r);
                    if (first == null) {
                        first = m;
                    } else if (cache.reserve(heldBytes + requeuedBytes, m.heapBytes())) {
                        messages.addLast(m);
                        heldBytes += m.heapBytes();
                    } else {
                        return first;
                    }
                }
            }
        }
        return first;
    }

    private void drop(StoredMessage m) {
        heldBytes -= m.heapBytes();
        cache.release(m.heapBytes());
    }

    void clear() {
        clearRun();
        dropRequeuedBatch();
    }

    private void clearRun() {
        cache.release(heldBytes);
        heldBytes = 0;
        messages.clear();
    }
}
