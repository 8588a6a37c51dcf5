package io.hermod.bench.embedded;

import io.hermod.bench.storage.ScratchDirectory;
import io.hermod.embedded.EmbeddedHermod;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How long an empty embedded broker takes to start: what a user's test pays before its first message. Each invocation
 * starts a broker on a fresh directory (first start: the default vhost is created and made durable) or on one that a
 * previous broker left (restart: definitions replayed). Single-shot, so every start counts; the warm-up starts let the
 * JIT settle as it would in a test suite that starts a broker per test.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 20)
@Measurement(iterations = 50)
@Fork(2)
@State(Scope.Thread)
public class EmbeddedStartBenchmark {

    private Path dir;
    private EmbeddedHermod started;
    private Path restartDir;

    @Setup(Level.Trial)
    public void prepareRestartDirectory() throws IOException {
        restartDir = ScratchDirectory.create("hermod-restart-");
        EmbeddedHermod.builder().dataDirectory(restartDir).start().close();
    }

    @Setup(Level.Invocation)
    public void freshDirectory() throws IOException {
        dir = ScratchDirectory.create("hermod-start-");
    }

    @Benchmark
    public EmbeddedHermod firstStart() {
        started = EmbeddedHermod.builder().dataDirectory(dir).start();
        return started;
    }

    @Benchmark
    public EmbeddedHermod restart() {
        started = EmbeddedHermod.builder().dataDirectory(restartDir).start();
        return started;
    }

    @TearDown(Level.Invocation)
    public void stop() throws IOException {
        if (started != null) {
            started.close();
            started = null;
        }
        ScratchDirectory.delete(dir);
    }

    @TearDown(Level.Trial)
    public void removeRestartDirectory() throws IOException {
        ScratchDirectory.delete(restartDir);
    }
}
