package io.hermod.broker;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A client's connection to one vhost as one user: it owns its channels and its exclusive queues, which go away with
 * it. Every operation of its channels is checked against its user's permissions in the vhost ({@link AccessControl}),
 * unless the session is trusted: opened by the embedding application itself with {@link Broker#connect(String,
 * String)}, as {@value #INTERNAL_USER}.
 *
 * <p>Threading: thread-safe; a protocol module normally drives it from the connection's event loop.
 */
public final class Session implements AutoCloseable {

    /** The user name of trusted sessions, for logs and messages; no user of that name is looked up. */
    public static final String INTERNAL_USER = "hermod-internal";

    /**
     * Messages and body bytes in flight that make a publishing session's {@code publish} wait: four times an AMQP
     * connection's. An embedded publisher has no socket buffers or TCP window between it and the broker, so its
     * pipeline is as deep as its credit lets it be: at 256 messages the embedded publish-to-deliver benchmark (1,000
     * confirms outstanding) lost a third of its persistent throughput (600 k to 380 k msg/s), at 1,024 it kept it.
     * Queue entries are bounded as for a connection ({@link PublishCredit#ENTRIES}).
     */
    static final long CREDIT_MESSAGES = 4 * PublishCredit.MESSAGES;

    static final long CREDIT_BYTES = 4 * PublishCredit.BYTES;

    private final Broker broker;
    private final VirtualHost vhost;
    private final String clientName;
    private final String user;
    private final boolean trusted;
    private final boolean waitOnAlarm;
    private final Set<Channel> channels = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    private CompletableFuture<Void> closing; // under the session's lock
    private volatile CompletableFuture<Void> exclusiveQueuesGone; // set by the first close
    // the publish credit of a session whose publishers wait (an embedded one); waiters wait on the credit itself
    private final PublishCredit credit;

    Session(Broker broker, VirtualHost vhost, String clientName, String user, boolean trusted, boolean waitOnAlarm) {
        this.broker = broker;
        this.vhost = vhost;
        this.clientName = clientName;
        this.user = user;
        this.trusted = trusted;
        this.waitOnAlarm = waitOnAlarm;
        this.credit = waitOnAlarm ? new PublishCredit(CREDIT_MESSAGES, CREDIT_BYTES, PublishCredit.ENTRIES) : null;
    }

    /** Whether this session's publishes wait while a resource alarm is on. */
    boolean waitsOnAlarm() {
        return waitOnAlarm;
    }

    /**
     * Waits while this session's publishes in flight are past its {@link PublishCredit}, until the broker has taken
     * them down to half: an embedded publisher that outruns its queues waits, as an AMQP one waits on TCP. For
     * sessions that wait on alarms, called off broker threads.
     */
    void awaitPublishCredit() {
        synchronized (credit) {
            while (credit.paused()) {
                try {
                    credit.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new BrokerException(
                            ErrorCode.CLOSED, "interrupted while publishing was held at the session's publish credit");
                }
            }
        }
    }

    /** Counts a publish of {@code size} body bytes against the session's credit until every target has taken it. */
    void publishing(long size, Publication publication) {
        int targets = publication.targets();
        credit.publish(size, targets);
        publication.result().whenComplete((r, e) -> {
            if (credit.taken(size, targets)) {
                synchronized (credit) {
                    credit.notifyAll();
                }
            }
        });
    }

    public VirtualHost vhost() {
        return vhost;
    }

    public String clientName() {
        return clientName;
    }

    /** The user the session acts as ({@value #INTERNAL_USER} for a trusted one). */
    public String user() {
        return user;
    }

    /** Whether the session passes every permission check (the embedding application's own). */
    boolean trusted() {
        return trusted;
    }

    /**
     * Closes the channels whose oldest unacknowledged delivery is older than its queue's consumer timeout, or than
     * {@code serverTimeoutMillis} for a queue without one.
     */
    void closeTimedOutChannels(long nowMillis, long serverTimeoutMillis) {
        for (Channel c : channels) {
            c.closeIfAckTimedOut(nowMillis, serverTimeoutMillis);
        }
    }

    /** Opens a channel: the scope of delivery tags, consumers and unacknowledged messages. */
    public Channel openChannel() {
        if (closed) {
            throw new BrokerException(ErrorCode.CLOSED, "session " + clientName + " is closed");
        }
        Channel c = new Channel(this, broker);
        channels.add(c);
        return c;
    }

    void channelClosed(Channel channel) {
        channels.remove(channel);
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * Closes every channel (their unacknowledged messages return to their queues) and deletes the session's exclusive
     * queues. Idempotent; does not wait for the channels (see {@link #closeAsync}), but off broker threads it returns
     * once the exclusive queues are gone.
     */
    @Override
    public void close() {
        closeAsync();
        CompletableFuture<Void> exclusive = exclusiveQueuesGone;
        if (exclusive != null && !Broker.onBrokerThread()) {
            Broker.beforeWaiting();
            exclusive.join(); // the session's exclusive queues are gone when close returns (off broker threads)
        }
    }

    /**
     * {@link #close()}, completing when every channel's close has completed ({@link Channel#closeAsync}), those closed
     * before and still closing included: the session's queues, exclusive and auto-delete ones, are gone and its
     * unacknowledged messages are back in theirs. It waits for no queue itself: a protocol's event loop calls it, and
     * a busy queue can take seconds to get to a delete. Idempotent: every call returns the same future.
     */
    public CompletableFuture<Void> closeAsync() {
        CompletableFuture<Void> done;
        synchronized (this) {
            if (closing != null) {
                return closing;
            }
            closed = true;
            closing = done = new CompletableFuture<>();
        }
        List<CompletableFuture<Void>> closes = new ArrayList<>();
        for (Channel c : Set.copyOf(channels)) {
            closes.add(c.closeAsync());
        }
        try {
            exclusiveQueuesGone = vhost.sessionClosed(this);
            closes.add(exclusiveQueuesGone);
            broker.sessionClosed(this);
        } finally {
            CompletableFuture.allOf(closes.toArray(CompletableFuture<?>[]::new))
                    .whenComplete((r, e) -> done.complete(null));
        }
        return done;
    }

    @Override
    public String toString() {
        return "session " + clientName + " of user '" + user + "' on vhost '" + vhost.name() + "'";
    }
}
