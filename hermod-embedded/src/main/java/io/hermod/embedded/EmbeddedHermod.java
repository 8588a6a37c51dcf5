package io.hermod.embedded;

import io.hermod.broker.Broker;
import io.hermod.broker.BrokerConfig;
import io.hermod.broker.Session;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * Hermod running inside your JVM: a broker on a data directory, with no sockets and nothing else to install. It is what
 * applications embed and what their tests start and stop:
 *
 * <pre>{@code
 * try (EmbeddedHermod hermod = EmbeddedHermod.builder().dataDirectory(dir).start()) {
 *     Channel channel = hermod.connect("my-app").openChannel();
 *     channel.declareQueue(QueueSpec.durable("orders"));
 *     channel.publish(Message.of("", "orders", true, body)).join(); // confirmed: on disk
 * }
 * }</pre>
 *
 * <p>It opens no protocol listener: to serve AMQP clients as well, start {@code io.hermod.amqp.server.AmqpServer} on
 * {@link #broker()} (hermod-amqp), as the standalone server does.
 *
 * <p>Threading: thread-safe; {@link #close()} is idempotent.
 */
public final class EmbeddedHermod implements AutoCloseable {

    private final Broker broker;
    private final Path temporaryDirectory;

    private EmbeddedHermod(Broker broker, Path temporaryDirectory) {
        this.broker = broker;
        this.temporaryDirectory = temporaryDirectory;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The broker, for everything the convenience methods do not cover. */
    public Broker broker() {
        return broker;
    }

    /** Opens a session on the default vhost {@code /}. */
    public Session connect(String clientName) {
        return broker.connect("/", clientName);
    }

    /** Opens a session on a vhost. */
    public Session connect(String vhost, String clientName) {
        return broker.connect(vhost, clientName);
    }

    /** Stops the broker cleanly (and removes its data when it was started in a temporary directory). */
    @Override
    public void close() {
        broker.close();
        if (temporaryDirectory != null) {
            deleteTree(temporaryDirectory);
        }
    }

    /** How to start an embedded broker. Not thread-safe. */
    public static final class Builder {
        private Path dataDirectory;
        private int threads;

        private Builder() {}

        /** Where the broker keeps its data; without one it uses a temporary directory deleted on close. */
        public Builder dataDirectory(Path directory) {
            this.dataDirectory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /** The threads that run queues; default {@code max(2, cores)}. */
        public Builder threads(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("threads must be >= 1: " + count);
            }
            this.threads = count;
            return this;
        }

        /** Starts the broker, recovering what its data directory holds. */
        public EmbeddedHermod start() {
            Path temporary = null;
            Path dir = dataDirectory;
            if (dir == null) {
                try {
                    temporary = Files.createTempDirectory("hermod-");
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot create a temporary data directory", e);
                }
                dir = temporary;
            }
            BrokerConfig config = BrokerConfig.of(dir);
            if (threads > 0) {
                config = config.withThreads(threads);
            }
            try {
                return new EmbeddedHermod(Broker.open(config), temporary);
            } catch (RuntimeException e) {
                if (temporary != null) {
                    deleteTree(temporary);
                }
                throw e;
            }
        }
    }

    private static void deleteTree(Path root) {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }
}
