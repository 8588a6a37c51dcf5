package io.hermod.server;

import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code HermodServer} in a child JVM on the test classpath, as {@code ./hermod server} runs it: its output (stdout and
 * stderr together) is collected line by line so a test can wait for the start line and read what it printed.
 *
 * <p>Threading: one reader thread per process fills the line queue; the test thread does everything else.
 */
final class ServerProcess implements AutoCloseable {

    private static final Pattern STARTED = Pattern.compile("Hermod started: AMQP 0-9-1 on 127\\.0\\.0\\.1:(\\d+),.*");
    private static final Pattern HTTP = Pattern.compile(".*, management HTTP on 127\\.0\\.0\\.1:(\\d+),.*");

    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> seen = new ArrayList<>();
    private final Thread reader;
    private String startLine;

    private ServerProcess(Process process) {
        this.process = process;
        this.reader = new Thread(this::readOutput, "server-output-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts the server with {@code args}, listening on 127.0.0.1 (AMQP and a free HTTP port) and logging at INFO (all
     * from the environment).
     */
    static ServerProcess start(Map<String, String> environment, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                HermodServer.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().keySet().removeIf(name -> name.startsWith("HERMOD_"));
        builder.environment().put("HERMOD_AMQP_HOST", "127.0.0.1");
        builder.environment().put("HERMOD_HTTP_HOST", "127.0.0.1");
        builder.environment().put("HERMOD_HTTP_PORT", "0"); // tests run side by side: never the fixed 15672
        builder.environment().put("HERMOD_LOG_LEVEL", "info");
        builder.environment().putAll(environment);
        return new ServerProcess(builder.start());
    }

    private void readOutput() {
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                lines.add(line);
            }
        } catch (IOException e) {
            lines.add("(reading the output failed: " + e + ")");
        }
    }

    /** Waits for the start line and returns the AMQP port it names. */
    int awaitStarted(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String line = lines.poll(10, TimeUnit.MILLISECONDS);
            if (line != null) {
                seen.add(line);
                Matcher m = STARTED.matcher(line);
                if (m.matches()) {
                    startLine = line;
                    return Integer.parseInt(m.group(1));
                }
            } else if (!process.isAlive() && lines.isEmpty()) {
                break;
            }
        }
        return fail("the server did not start within " + timeout + "; its output:\n" + String.join("\n", seen));
    }

    /** The management HTTP port the start line names (after {@link #awaitStarted}). */
    int httpPort() {
        Matcher m = HTTP.matcher(String.valueOf(startLine));
        return m.matches() ? Integer.parseInt(m.group(1)) : fail("no HTTP port in the start line: " + startLine);
    }

    /** Sends SIGTERM (through the handle: {@link Process#destroy()} would also close the output pipe). */
    void terminate() {
        process.toHandle().destroy();
    }

    Process process() {
        return process;
    }

    /** Waits for the process to exit and returns its exit code. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return fail("the server did not exit within " + timeout + "; its output:\n" + output());
        }
        return process.exitValue();
    }

    /** Everything the process printed so far (call after it exited to get all of it). */
    String output() throws InterruptedException {
        if (!process.isAlive()) {
            reader.join(5000); // the pipe ends after the exit: the reader has then taken every line
        }
        lines.drainTo(seen);
        return String.join("\n", seen);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
