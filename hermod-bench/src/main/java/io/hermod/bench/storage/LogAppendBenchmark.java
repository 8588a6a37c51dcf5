package io.hermod.bench.storage;

import io.hermod.storage.AppendResult;
import io.hermod.storage.Durability;
import io.hermod.storage.Log;
import io.hermod.storage.LogConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
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

/**
 * Append throughput of one log fed by one pipelining producer: batches of {@code recordsPerBatch} 1 KiB records, under
 * {@code fsync-always} (acknowledged after an fsync, shared by group commit) and {@code os} (acknowledged once in the
 * page cache).
 *
 * <p>One operation is one {@code Log.append} of one batch: 1,094 bytes for 1 record, 16,589 for 16 and 264,701 for 256
 * (see {@link BenchBatches}). The {@code :bytes} secondary result is the bytes appended per second, so MB/s =
 * {@code :bytes} / 1e6, and records/s = ops/s x {@code recordsPerBatch}. Compare the {@code :bytes} of
 * {@code fsync-always} at 256 records per batch with {@link RawDiskWriteBenchmark}'s in the same run.
 *
 * <p>Appends are pipelined like a producer with a bounded number of requests in flight: the {@link InFlightWindow}
 * holds at most {@code maxInFlight} unacknowledged appends (and at most 64 MiB) and blocks on the oldest completion
 * when full; the iteration's teardown waits for the rest. That wait falls outside the measured time, so the bytes of at
 * most one window (about 16 MiB at 256 records per batch) are counted without their fsync having been timed: an
 * overstatement bounded by window / bytes per iteration, under 1% at 780 MB/s over 3 s.
 *
 * <p>Every iteration appends to a fresh log (256 MiB segments) in a {@link ScratchDirectory} that the teardown deletes,
 * so disk use is bounded by one iteration. Under {@code os} the kernel starts writing back (and eventually throttles
 * the writer) once dirty pages pass {@code vm.dirty_background_ratio} / {@code vm.dirty_ratio}, so longer iterations
 * drift from page-cache speed towards disk speed.
 *
 * <p>Threading: one benchmark thread appends; the log's storage threads run the fsyncs and finish the completions. The
 * batch buffer is built once per trial and passed as a fresh {@code duplicate()} to every append: the log rewrites the
 * base offset in place before copying the bytes to the file, which is harmless for the next append.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Threads(1)
public class LogAppendBenchmark {

    static final int SEGMENT_BYTES = 256 << 20;
    private static final long MAX_IN_FLIGHT_BYTES = 64L << 20;

    @Param({"1", "16", "256"})
    public int recordsPerBatch;

    @Param({"fsync-always", "os"})
    public String durability;

    @Param({"64"})
    public int maxInFlight;

    private ByteBuffer batch;
    private int batchBytes;
    private ScratchLog scratch;
    private Log log;
    private InFlightWindow window;

    @Setup(Level.Trial)
    public void buildBatch() {
        batch = BenchBatches.batch(recordsPerBatch, BenchBatches.RECORD_VALUE_BYTES, 42);
        batchBytes = batch.remaining();
    }

    @Setup(Level.Iteration)
    public void openLog() throws IOException {
        LogConfig config = LogConfig.builder()
                .segmentBytes(SEGMENT_BYTES)
                .durability(Durability.fromConfigName(durability))
                .build();
        scratch = ScratchLog.open("hermod-append-", config);
        log = scratch.log();
        window = new InFlightWindow(maxInFlight, MAX_IN_FLIGHT_BYTES);
    }

    @TearDown(Level.Iteration)
    public void drainAndDelete() throws IOException {
        try {
            window.drain();
        } finally {
            scratch.close();
        }
    }

    @Benchmark
    public long append(ByteCounter counter) {
        AppendResult result = log.append(batch.duplicate());
        window.add(result.durable(), batchBytes);
        counter.bytes += batchBytes;
        return result.lastOffset();
    }
}
