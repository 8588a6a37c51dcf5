package io.hermod.bench.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Creates and deletes the throwaway directories benchmarks write to, so that disk use stays bounded by one iteration
 * (or one trial) of data. They live under the directory named by the system property {@value #DIR_PROPERTY}, else
 * under {@code java.io.tmpdir}: point the property at the disk you want measured.
 *
 * <p>Threading: stateless; each directory belongs to the benchmark state that created it.
 */
public final class ScratchDirectory {

    /** System property naming the parent directory of the benchmarks' scratch directories. */
    public static final String DIR_PROPERTY = "hermod.bench.dir";

    private ScratchDirectory() {}

    /** A new, empty directory whose name starts with {@code prefix}. */
    public static Path create(String prefix) throws IOException {
        String parent = System.getProperty(DIR_PROPERTY, System.getProperty("java.io.tmpdir"));
        return Files.createTempDirectory(Files.createDirectories(Path.of(parent)), prefix);
    }

    /** Deletes {@code dir} and everything below it; a missing directory is fine. */
    public static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(dir)) {
            paths = walk.sorted(Comparator.reverseOrder()).toList();
        }
        for (Path p : paths) {
            Files.deleteIfExists(p);
        }
    }
}
