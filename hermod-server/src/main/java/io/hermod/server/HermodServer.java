package io.hermod.server;

import ch.qos.logback.classic.Level;
import io.hermod.amqp.server.AmqpServer;
import io.hermod.amqp.server.AmqpServerConfig;
import io.hermod.broker.Broker;
import io.hermod.broker.definitions.UserDefinition;
import io.hermod.server.management.Listener;
import io.hermod.server.management.ManagementApi;
import io.hermod.server.management.ManagementServer;
import io.hermod.server.management.MetricsOptions;
import io.hermod.storage.Durability;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hermod as a standalone server, what {@code ./hermod server} runs: the broker on its data directory, the AMQP 0-9-1
 * listener in front of it and the management HTTP API ({@link ManagementApi}), configured by {@link ConfigLoader} (file, environment, flags). On SIGTERM or SIGINT a
 * shutdown hook stops it gracefully: the listener stops accepting and closes every connection with CONNECTION_FORCED
 * ({@link AmqpServer#close()}), then the broker closes (sessions end, queues persist their cursors, every log is
 * flushed and checkpointed).
 *
 * <p>Once listening it prints one line on standard output, which scripts and tests may wait for:
 *
 * <pre>
 * Hermod started: AMQP 0-9-1 on 127.0.0.1:5672, management HTTP on 127.0.0.1:15672, data in /abs/path/data (pid 1234, 412 ms since launch)
 * </pre>
 *
 * <p>Threading: {@link #start} and {@link #close} from any thread; {@code close} is idempotent. In {@link #main}, the
 * main thread starts the server and waits; the shutdown hook's thread stops it.
 */
public final class HermodServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HermodServer.class);
    private static final String DEFAULT_VHOST = "/";
    private static final String GUEST = "guest";
    private static final int EXIT_FAILED = 1;
    private static final int EXIT_USAGE = 2;

    private final ServerConfig config;
    private final Broker broker;
    private final AmqpServer amqp;
    private final ManagementServer http; // null when http.port is empty
    private final ManagementServer https; // null when http.tls.port is empty
    private final ManagementApi api; // null without any HTTP listener
    private final AtomicBoolean closed = new AtomicBoolean();

    private HermodServer(ServerConfig config, Broker broker, AmqpServer amqp, Http listeners) {
        this.config = config;
        this.broker = broker;
        this.amqp = amqp;
        this.http = listeners.http();
        this.https = listeners.https();
        this.api = listeners.api();
    }

    /** The management API and its plain and TLS listeners; each null when not configured. */
    private record Http(ManagementApi api, ManagementServer http, ManagementServer https) {}

    /**
     * Opens the broker on the configured data directory (recovering what it holds), gives a new data directory its
     * default user, and starts the AMQP listener and the management HTTP listener.
     */
    static HermodServer start(ServerConfig config) {
        boolean newDataDirectory = isEmpty(config.dataDirectory());
        Broker broker = Broker.open(config.brokerConfig());
        try {
            if (newDataDirectory) {
                createDefaultUser(broker, config);
            } else if (!config.defaultUser().equals(GUEST) && !hasUser(broker, config.defaultUser())) {
                LOG.warn(
                        "default_user.name '{}' is not a user of {}: the default user is created with a new data"
                                + " directory only",
                        config.defaultUser(),
                        config.dataDirectory());
            }
            if (config.durability() != Durability.FSYNC_ALWAYS) {
                LOG.warn(
                        "durability is {}: a publisher confirm means the OS has the message, not that it is on disk;"
                                + " a power loss or OS crash loses confirmed messages",
                        config.durability().configName());
            }
            AmqpServer amqp = AmqpServer.start(broker, config.amqp());
            try {
                return new HermodServer(config, broker, amqp, startHttp(config, broker, amqp));
            } catch (RuntimeException e) {
                amqp.close();
                throw e;
            }
        } catch (RuntimeException e) { // a port in use: the listeners say so in an UncheckedIOException
            broker.close();
            throw e;
        }
    }

    /** The plain and the TLS management listener, each null when its port is not configured. */
    private static Http startHttp(ServerConfig config, Broker broker, AmqpServer amqp) {
        if (config.httpPort() == ServerConfig.NO_PORT && config.httpTlsPort() == ServerConfig.NO_PORT) {
            return new Http(null, null, null);
        }
        AtomicReference<ManagementServer> bound = new AtomicReference<>();
        AtomicReference<ManagementServer> boundTls = new AtomicReference<>();
        Supplier<List<Listener>> listeners = () -> {
            List<Listener> all = new ArrayList<>();
            if (amqp.port() != AmqpServerConfig.NO_PORT) {
                all.add(new Listener("amqp", config.amqp().host(), amqp.port()));
            }
            if (amqp.tlsPort() != AmqpServerConfig.NO_PORT) {
                all.add(new Listener("amqp/ssl", config.amqp().host(), amqp.tlsPort()));
            }
            ManagementServer http = bound.get();
            if (http != null) {
                all.add(new Listener("http", http.host(), http.port()));
            }
            ManagementServer https = boundTls.get();
            if (https != null) {
                all.add(new Listener("https", https.host(), https.port()));
            }
            return all;
        };
        ManagementApi api = ManagementApi.create(
                broker, amqp, listeners, new MetricsOptions(config.metricsPerQueue(), config.metricsAuth()));
        try {
            if (config.httpPort() != ServerConfig.NO_PORT) {
                bound.set(ManagementServer.start(config.httpHost(), config.httpPort(), api));
            }
            if (config.httpTlsPort() != ServerConfig.NO_PORT) {
                boundTls.set(
                        ManagementServer.start(config.httpHost(), config.httpTlsPort(), api, config.httpSslContext()));
            }
        } catch (RuntimeException e) {
            if (bound.get() != null) {
                bound.get().close();
            }
            api.close();
            throw e;
        }
        return new Http(api, bound.get(), boundTls.get());
    }

    /** The port the plain AMQP listener is bound to (the chosen one when configured with 0), or -1 for none. */
    int amqpPort() {
        return amqp.port();
    }

    /** The port the AMQP TLS listener is bound to (the chosen one when configured with 0), or -1 for none. */
    int amqpTlsPort() {
        return amqp.tlsPort();
    }

    Broker broker() {
        return broker;
    }

    /** The port the management HTTP listener is bound to, or {@link ServerConfig#NO_PORT} when there is none. */
    int httpPort() {
        return http == null ? ServerConfig.NO_PORT : http.port();
    }

    /** The port the management HTTPS listener is bound to, or {@link ServerConfig#NO_PORT} when there is none. */
    int httpTlsPort() {
        return https == null ? ServerConfig.NO_PORT : https.port();
    }

    /**
     * Stops gracefully: no new connections, every open one closed with CONNECTION_FORCED, then the broker closes
     * (flushing and checkpointing its logs, so the next start needs no recovery scan).
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            if (http != null) {
                http.close();
            }
            if (https != null) {
                https.close();
            }
            if (api != null) {
                api.close();
            }
        } finally {
            try {
                amqp.close();
            } finally {
                broker.close();
            }
        }
    }

    /** RabbitMQ's {@code default_user}/{@code default_pass}: the administrator of a blank node, replacing guest. */
    private static void createDefaultUser(Broker broker, ServerConfig config) {
        String name = config.defaultUser();
        if (name.equals(GUEST) && config.defaultPassword().equals(GUEST)) {
            return; // the broker's own blank state
        }
        broker.addUser(name, config.defaultPassword(), List.of("administrator"));
        if (!name.equals(GUEST)) {
            broker.setPermissions(DEFAULT_VHOST, name, ".*", ".*", ".*");
            broker.deleteUser(GUEST);
        }
        LOG.info("Created the default user '{}' (administrator, all permissions on vhost /)", name);
    }

    private static boolean hasUser(Broker broker, String name) {
        return broker.users().stream().map(UserDefinition::name).anyMatch(name::equals);
    }

    private static boolean isEmpty(Path directory) {
        if (!Files.isDirectory(directory)) {
            return true;
        }
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the data directory " + directory, e);
        }
    }

    /**
     * {@code ./hermod server [options]}: see {@link CommandLine#usage()}. Exits 2 on a usage or configuration error
     * (the message names the key), 1 when the server cannot start; otherwise runs until the JVM is asked to stop.
     */
    public static void main(String[] args) throws InterruptedException {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ServerConfig config;
        try {
            CommandLine commandLine = CommandLine.parse(args);
            if (commandLine.help()) {
                out.print(CommandLine.usage());
                out.flush();
                return;
            }
            config = ConfigLoader.load(commandLine, System.getenv());
        } catch (ConfigException e) {
            err.println("hermod server: " + e.getMessage());
            System.exit(EXIT_USAGE);
            return;
        }
        setLogLevel(config.logLevel());
        for (String name : ConfigLoader.unknownVariables(System.getenv())) {
            LOG.warn("Environment variable {} is not a configuration key; ignored", name);
        }

        HermodServer server;
        try {
            server = start(config);
        } catch (RuntimeException e) {
            // System.exit, not return: threads a failed start left behind (event loops) must not keep the JVM up
            LOG.error("Hermod failed to start", e);
            err.println("hermod server: cannot start: " + e.getMessage());
            System.exit(EXIT_FAILED);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(server, stopped), "hermod-shutdown"));
        out.printf(
                "Hermod started: %s, %s, data in %s (pid %d, %d ms since launch)%n",
                listeners(config.amqp().host(), server),
                httpListeners(config.httpHost(), server),
                config.dataDirectory().toAbsolutePath().normalize(),
                ProcessHandle.current().pid(),
                millisSinceLaunch());
        out.flush();
        stopped.await();
    }

    /** {@code AMQP 0-9-1 on HOST:PORT}, {@code AMQP 0-9-1 over TLS on HOST:PORT}, or both, for the started line. */
    private static String listeners(String host, HermodServer server) {
        List<String> listeners = new ArrayList<>();
        if (server.amqpPort() != AmqpServerConfig.NO_PORT) {
            listeners.add("AMQP 0-9-1 on " + host + ":" + server.amqpPort());
        }
        if (server.amqpTlsPort() != AmqpServerConfig.NO_PORT) {
            listeners.add("AMQP 0-9-1 over TLS on " + host + ":" + server.amqpTlsPort());
        }
        return String.join(", ", listeners);
    }

    /** {@code management HTTP on HOST:PORT}, {@code management HTTPS on HOST:PORT}, both, or none. */
    private static String httpListeners(String host, HermodServer server) {
        List<String> listeners = new ArrayList<>();
        if (server.http != null) {
            listeners.add("management HTTP on " + host + ":" + server.httpPort());
        }
        if (server.https != null) {
            listeners.add("management HTTPS on " + host + ":" + server.httpTlsPort());
        }
        return listeners.isEmpty() ? "no management HTTP" : String.join(", ", listeners);
    }

    private static void stop(HermodServer server, CountDownLatch stopped) {
        LOG.info("Stopping: closing connections (CONNECTION_FORCED), then the broker");
        try {
            server.close();
            LOG.info("Hermod stopped");
        } catch (RuntimeException e) {
            LOG.error("Stopping failed", e);
        } finally {
            stopped.countDown();
        }
    }

    private static long millisSinceLaunch() {
        return ProcessHandle.current()
                .info()
                .startInstant()
                .map(start -> Duration.between(start, Instant.now()).toMillis())
                .orElse(-1L);
    }

    /** The level of the root logger; the server ships Logback (its console format is in logback.xml). */
    private static void setLogLevel(String level) {
        if (LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME) instanceof ch.qos.logback.classic.Logger root) {
            root.setLevel(Level.toLevel(level));
        } else {
            LOG.warn("log.level {} not applied: the logging backend is not Logback", level);
        }
    }
}
