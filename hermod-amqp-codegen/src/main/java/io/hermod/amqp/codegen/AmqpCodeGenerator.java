package io.hermod.amqp.codegen;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Generates the AMQP 0-9-1 wire classes of {@code io.hermod.amqp.codec} from RabbitMQ's machine-readable spec: the
 * method records, {@code AmqpMethod}, {@code MethodDecoder}/{@code MethodEncoder}, {@code BasicProperties},
 * {@code ReplyCode}, {@code AmqpConstants}, and the test fixture {@code MethodSamples}.
 *
 * <p>Run by {@code hermod-amqp}'s build (exec-maven-plugin, phase {@code generate-sources}) with three arguments: the
 * spec file, the main source root and the test source root. Files whose text is unchanged are not rewritten (so the
 * compiler sees nothing new), and generated files no longer produced are deleted. Never calls {@code System.exit}: it
 * runs inside Maven's JVM.
 *
 * <p>Threading: single-threaded.
 */
public final class AmqpCodeGenerator {

    private AmqpCodeGenerator() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            throw new IllegalArgumentException(
                    "usage: AmqpCodeGenerator <spec.json> <main source dir> <test source dir>");
        }
        Spec spec = SpecReader.read(Path.of(args[0]));
        write(Path.of(args[1]), mainSources(spec));
        write(Path.of(args[2]), testSources(spec));
    }

    /** File name → text of the generated main sources. */
    static Map<String, String> mainSources(Spec spec) {
        Map<String, String> main = new TreeMap<>();
        main.putAll(MethodRecords.generate(spec));
        main.putAll(MethodDispatch.generate(spec));
        main.putAll(ContentProperties.generate(spec));
        main.putAll(Constants.generate(spec));
        return main;
    }

    /** File name → text of the generated test fixtures. */
    static Map<String, String> testSources(Spec spec) {
        return MethodSamples.generate(spec);
    }

    /** Writes {@code files} into the codec package under {@code root}, replacing what an earlier run left there. */
    static void write(Path root, Map<String, String> files) throws IOException {
        Path dir = root.resolve(JavaSource.PACKAGE.replace('.', '/'));
        Files.createDirectories(dir);
        Set<String> stale;
        try (Stream<Path> existing = Files.list(dir)) {
            stale = existing.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".java") && !files.containsKey(n))
                    .collect(Collectors.toSet());
        }
        for (String name : stale) {
            Files.delete(dir.resolve(name));
        }
        files.forEach((name, text) -> writeIfChanged(dir.resolve(name), text));
    }

    private static void writeIfChanged(Path file, String text) {
        try {
            if (Files.exists(file)
                    && Files.readString(file, StandardCharsets.UTF_8).equals(text)) {
                return;
            }
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
