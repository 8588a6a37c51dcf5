package io.hermod.bench.storage;

import io.hermod.storage.Durability;
import io.hermod.storage.Log;
import io.hermod.storage.LogConfig;
import io.hermod.storage.LogSlice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Reads of 1 MiB from a pre-filled log (about {@code fillMiB} MiB of 16-record batches of 1 KiB records, 16,589 bytes
 * each, written under {@code os} and flushed once), starting at {@code sequential} offsets (each read continues where
 * the last ended, wrapping at the end) or at {@code random} batch-aligned offsets. Every read returns 63 whole batches,
 * 1,045,107 bytes; {@code :bytes} / 1e6 gives MB/s.
 *
 * <ul>
 *   <li>{@link #copy}: {@code Log.read}, which copies into a new heap buffer per segment and CRC-checks every batch;
 *       the buffers go to a {@link Blackhole}. The cost of the read alone.
 *   <li>{@link #copyAndSend}: the same, then the buffers are written to a socket ({@link LoopbackSink}): what a
 *       broker that copies pays to deliver the bytes.
 *   <li>{@link #slicesAndSend}: {@code Log.readSlices} and {@code LogSlice.transferTo} the same socket
 *       ({@code sendfile}), closing the slices: the zero-copy delivery. The ratio {@code slicesAndSend / copyAndSend}
 *       is what zero copy buys.
 * </ul>
 *
 * <p>Sends go to {@code -p sink=socket} (the default, a {@link LoopbackSink}: the realistic target, but its draining
 * thread takes one of the machine's cores and the loopback TCP stack copies every byte once more on the receiving
 * side, so on a small machine both variants may hit that ceiling) or {@code -p sink=devnull}, where the kernel
 * discards without copying: that isolates the broker-side cost of each path, an upper bound on what zero copy saves.
 *
 * <p>The 256 MiB fill fits in the page cache of any machine that runs this, and was just written, so these are
 * hot-cache reads: they measure copies, checks and system calls, not the disk. Run with {@code -prof gc} to see the
 * copy path's allocation (about 1 MiB per operation) against the slices' (a few small objects); the harness itself
 * allocates nothing per operation.
 *
 * <p>Threading: one benchmark thread reads and owns the cursor and the sending end of the socket; a daemon thread
 * drains the socket. The log is filled once per trial and deleted at its end.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Threads(1)
public class LogReadBenchmark {

    static final int READ_BYTES = 1 << 20;
    private static final int RECORDS_PER_BATCH = 16;
    private static final int BATCHES_PER_FILL_APPEND = 64;
    private static final int RANDOM_OFFSETS = 4096;

    @Param({"sequential", "random"})
    public String order;

    @Param({"256"})
    public int fillMiB;

    /** Where sends go: {@code socket} ({@link LoopbackSink}) or {@code devnull} (see the class comment). */
    @Param({"socket"})
    public String sink;

    private ScratchLog scratch;
    private Log log;
    private AutoCloseable sinkResource;
    private WritableByteChannel out;
    private int batchBytes;
    private long wrapAt;
    private boolean random;
    private long[] randomOffsets;
    private int nextRandom;
    private long cursor;

    @Setup(Level.Trial)
    public void fill() throws IOException {
        LogConfig config = LogConfig.builder()
                .segmentBytes(LogAppendBenchmark.SEGMENT_BYTES)
                .durability(Durability.OS)
                .build();
        scratch = ScratchLog.open("hermod-read-", config);
        log = scratch.log();
        ByteBuffer batch = BenchBatches.batch(RECORDS_PER_BATCH, BenchBatches.RECORD_VALUE_BYTES, 42);
        batchBytes = batch.remaining();
        ByteBuffer append = BenchBatches.repeat(batch, BATCHES_PER_FILL_APPEND);
        long fillBytes = (long) fillMiB << 20;
        while (log.sizeInBytes() < fillBytes) {
            log.append(append.duplicate());
        }
        log.flush();

        // the last batch from which a read still returns a full READ_BYTES of whole batches
        long batches = log.endOffset() / RECORDS_PER_BATCH;
        long lastFullStart = batches - READ_BYTES / batchBytes;
        wrapAt = lastFullStart * RECORDS_PER_BATCH;
        random = switch (order) {
            case "sequential" -> false;
            case "random" -> true;
            default -> throw new IllegalArgumentException("order must be sequential or random: " + order);
        };
        SplittableRandom rnd = new SplittableRandom(7);
        randomOffsets = new long[RANDOM_OFFSETS];
        for (int i = 0; i < RANDOM_OFFSETS; i++) {
            randomOffsets[i] = rnd.nextLong(lastFullStart + 1) * RECORDS_PER_BATCH;
        }
        switch (sink) {
            case "socket" -> {
                LoopbackSink loopback = LoopbackSink.open();
                sinkResource = loopback;
                out = loopback.channel();
            }
            case "devnull" -> {
                FileChannel devNull = FileChannel.open(Path.of("/dev/null"), StandardOpenOption.WRITE);
                sinkResource = devNull;
                out = devNull;
            }
            default -> throw new IllegalArgumentException("sink must be socket or devnull: " + sink);
        }
    }

    @TearDown(Level.Trial)
    public void delete() throws Exception {
        try {
            sinkResource.close();
        } finally {
            scratch.close();
        }
    }

    @Benchmark
    public void copy(ByteCounter counter, Blackhole bh) {
        List<ByteBuffer> buffers = log.read(nextOffset(), READ_BYTES);
        long bytes = 0;
        for (int i = 0; i < buffers.size(); i++) {
            bytes += buffers.get(i).remaining();
        }
        bh.consume(buffers);
        advance(bytes, counter);
    }

    @Benchmark
    public long copyAndSend(ByteCounter counter) throws IOException {
        List<ByteBuffer> buffers = log.read(nextOffset(), READ_BYTES);
        long sent = 0;
        for (int i = 0; i < buffers.size(); i++) {
            ByteBuffer buf = buffers.get(i);
            while (buf.hasRemaining()) {
                sent += out.write(buf);
            }
        }
        advance(sent, counter);
        return sent;
    }

    @Benchmark
    public long slicesAndSend(ByteCounter counter) throws IOException {
        List<LogSlice> slices = log.readSlices(nextOffset(), READ_BYTES);
        long sent = 0;
        try {
            for (int i = 0; i < slices.size(); i++) {
                sent += slices.get(i).transferTo(out);
            }
        } finally {
            for (int i = 0; i < slices.size(); i++) {
                slices.get(i).close();
            }
        }
        advance(sent, counter);
        return sent;
    }

    private long nextOffset() {
        if (random) {
            long offset = randomOffsets[nextRandom];
            nextRandom = (nextRandom + 1) & (RANDOM_OFFSETS - 1);
            return offset;
        }
        return cursor;
    }

    /** Counts what a read moved and, for sequential reads, continues after it. */
    private void advance(long bytes, ByteCounter counter) {
        counter.bytes += bytes;
        if (!random) {
            cursor += bytes / batchBytes * RECORDS_PER_BATCH;
            if (cursor > wrapAt) {
                cursor = 0;
            }
        }
    }
}
