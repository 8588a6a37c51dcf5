package io.hermod.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code kill -9} harness of the broker's crash tests: runs a test class's {@code main} in a child JVM with this
 * JVM's class path, waits for it to print {@code READY} (its state is then what the test means to crash), and kills it
 * with SIGKILL.
 */
final class KilledChild {

    private KilledChild() {}

    /** Runs {@code main} with {@code args}, its stderr in {@code dir/child.err}, and kills it once it is ready. */
    static void runUntilReadyThenKill(Class<?> main, Path dir, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m",
                "-cp",
                System.getProperty("java.class.path"),
                main.getName()));
        command.addAll(List.of(args));
        Process child = new ProcessBuilder(command)
                .redirectError(dir.resolve("child.err").toFile())
                .start();
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null && !line.equals("READY")) {
                // what the child says on its way (start-up logging, progress)
            }
            assertThat(line).as("the child got ready; see child.err").isEqualTo("READY");
            child.toHandle().destroyForcibly(); // SIGKILL
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            child.toHandle().destroyForcibly();
        }
        assertThat(child.exitValue()).isEqualTo(137);
    }
}
