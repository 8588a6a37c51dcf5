package io.hermod.broker;

import io.hermod.broker.definitions.BindingDefinition.DestinationKind;
import io.hermod.broker.definitions.DefinitionRecord;
import io.hermod.broker.definitions.DefinitionRecord.AccessRecord;
import io.hermod.broker.definitions.DefinitionRecord.PermissionRemoved;
import io.hermod.broker.definitions.DefinitionRecord.PermissionSet;
import io.hermod.broker.definitions.DefinitionRecord.UserAdded;
import io.hermod.broker.definitions.DefinitionRecord.UserRemoved;
import io.hermod.broker.definitions.PasswordHash;
import io.hermod.broker.definitions.PermissionDefinition;
import io.hermod.broker.definitions.UserDefinition;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.PatternSyntaxException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may connect and what each user may do: the internal user database (users with salted password hashes, RabbitMQ's
 * {@code rabbit_auth_backend_internal}) and every authorisation check the broker makes, in RabbitMQ's terms
 * (https://www.rabbitmq.com/docs/access-control#authorisation).
 *
 * <p>A session may open on a vhost when its user has a permission entry there, whatever its patterns. Then each
 * operation needs a permission on a named resource; the table below is RabbitMQ's, as {@code rabbit_channel} checks it
 * (the methods of this class are its rows, named after the AMQP 0-9-1 operations):
 *
 * <pre>
 *  operation                         configure     write                 read
 *  exchange.declare                  exchange
 *    a new one with alternate-exchange               the alternate         exchange
 *  exchange.declare passive          any one of the three on the exchange
 *  exchange.delete                   exchange
 *  queue.declare (also server-named) queue
 *    a new one with a dead-letter exchange           the DLX               queue
 *  queue.declare passive             any one of the three on the queue
 *  queue.delete                      queue
 *  queue.purge                                                             queue
 *  queue.bind, queue.unbind                          queue                 exchange
 *  exchange.bind, exchange.unbind                    destination exchange  source exchange
 *  basic.publish                                     exchange
 *  basic.get, basic.consume                                                queue
 * </pre>
 *
 * Passive declares need any permission, as RabbitMQ since rabbitmq-server#16085 (4.2.6 and 4.3.0 required configure;
 * earlier versions, and the access-control guide's table, nothing): the lookup is harmless, but without a check it would
 * let anyone enumerate a vhost's resources. The default exchange's empty name is checked as {@code amq.default}. A
 * refusal is {@link ErrorCode#ACCESS_REFUSED} with RabbitMQ's text, e.g. "configure access to queue 'q' in vhost '/'
 * refused for user 'u'" ({@code rabbit_access_control:check_resource_access/4}).
 *
 * <p>Checks run against the current definitions: a permission change applies to the next operation of every open
 * session (RabbitMQ applies it eventually, through its per-channel caches). Sessions opened with
 * {@link Broker#connect(String, String)} are the embedding application's own and trusted: they pass every check.
 *
 * <p>Threading: {@link #replay} runs under the broker's definitions lock (one writer); checks and authentication read
 * concurrent maps without locks, from any thread.
 */
final class AccessControl {

    private static final Logger LOG = LoggerFactory.getLogger(AccessControl.class);

    /** The name RabbitMQ checks for the default exchange, whose own name is empty. */
    static final String DEFAULT_EXCHANGE_RESOURCE = "amq.default";

    /**
     * Verified when a user does not exist, so that an unknown name costs the time of a wrong password and names cannot
     * be found by timing logins (as rabbit_auth_backend_internal's dummy user). Its digest (all zeros) is no password's.
     */
    private static final PasswordHash NO_USER = PasswordHash.fromBytes(new byte[36]);

    /** RabbitMQ's three kinds of permission. */
    enum Permission {
        CONFIGURE,
        WRITE,
        READ;

        String text() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Set<String> loopbackUsers;
    private final ConcurrentHashMap<String, UserDefinition> users = new ConcurrentHashMap<>();
    // vhost -> user -> grant
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, Grant>> grants = new ConcurrentHashMap<>();

    AccessControl(Set<String> loopbackUsers) {
        this.loopbackUsers = Set.copyOf(loopbackUsers);
    }

    // ------------------------------------------------------------------ authentication

    /**
     * The user, if the password is its password and it may connect from where it does: RabbitMQ's internal backend
     * ({@code rabbit_auth_backend_internal:user_login_authentication/2}: a blank password is always refused) and its
     * {@code loopback_users} check ({@code rabbit_access_control:check_user_loopback/2}).
     */
    Optional<String> authenticate(String user, byte[] password, boolean loopback) {
        if (password.length == 0) {
            LOG.debug("Login of user '{}' refused: blank password", user);
            return Optional.empty();
        }
        UserDefinition u = users.get(user);
        boolean verified = (u == null ? NO_USER : u.passwordHash()).verify(password) && u != null;
        if (!verified) {
            LOG.debug("Login of user '{}' refused: invalid credentials", user);
            return Optional.empty();
        }
        if (!loopback && loopbackUsers.contains(user)) {
            LOG.info("Login of user '{}' refused: it can only connect via localhost", user);
            return Optional.empty();
        }
        return Optional.of(user);
    }

    /**
     * The refusal of a session on a vhost where the user has no permissions, or that does not exist: RabbitMQ's
     * {@code rabbit_access_control:check_vhost_access/4} tells neither apart, so that vhosts cannot be enumerated.
     */
    static BrokerException vhostRefused(String vhost, String user) {
        return new BrokerException(
                ErrorCode.ACCESS_REFUSED, "access to vhost '" + vhost + "' refused for user '" + user + "'");
    }

    // ------------------------------------------------------------------ the table

    void exchangeDeclare(Session s, String exchange) {
        check(s, Permission.CONFIGURE, "exchange", exchangeResource(exchange));
    }

    /** A new exchange with an alternate exchange: it routes to the alternate, so it is a read and a write. */
    void alternateExchange(Session s, String exchange, String alternate) {
        check(s, Permission.READ, "exchange", exchangeResource(exchange));
        check(s, Permission.WRITE, "exchange", exchangeResource(alternate));
    }

    void exchangeDeclarePassive(Session s, String exchange) {
        checkAny(s, "exchange", exchangeResource(exchange));
    }

    void exchangeDelete(Session s, String exchange) {
        check(s, Permission.CONFIGURE, "exchange", exchangeResource(exchange));
    }

    void queueDeclare(Session s, String queue) {
        check(s, Permission.CONFIGURE, "queue", queue);
    }

    /** A new queue with a dead-letter exchange: it reads from the queue and writes to the exchange. */
    void deadLetterExchange(Session s, String queue, String exchange) {
        check(s, Permission.READ, "queue", queue);
        check(s, Permission.WRITE, "exchange", exchangeResource(exchange));
    }

    void queueDeclarePassive(Session s, String queue) {
        checkAny(s, "queue", queue);
    }

    void queueDelete(Session s, String queue) {
        check(s, Permission.CONFIGURE, "queue", queue);
    }

    void queuePurge(Session s, String queue) {
        check(s, Permission.READ, "queue", queue);
    }

    /** The first half of a bind or unbind: the destination is written to. */
    void bindDestination(Session s, DestinationKind kind, String destination) {
        switch (kind) {
            case QUEUE -> check(s, Permission.WRITE, "queue", destination);
            case EXCHANGE -> check(s, Permission.WRITE, "exchange", exchangeResource(destination));
        }
    }

    /** The second half of a bind or unbind: the source exchange is read from. */
    void bindSource(Session s, String exchange) {
        check(s, Permission.READ, "exchange", exchangeResource(exchange));
    }

    void publish(Session s, String exchange) {
        check(s, Permission.WRITE, "exchange", exchangeResource(exchange));
    }

    /** basic.consume and basic.get. */
    void consume(Session s, String queue) {
        check(s, Permission.READ, "queue", queue);
    }

    private static String exchangeResource(String exchange) {
        return exchange.isEmpty() ? DEFAULT_EXCHANGE_RESOURCE : exchange;
    }

    private void check(Session s, Permission permission, String kind, String name) {
        if (s.trusted()) {
            return;
        }
        Grant g = grant(s.vhost().name(), s.user());
        if (g == null || !g.allows(permission, name)) {
            throw refused(s, permission, kind, name);
        }
    }

    /** Any one permission; in RabbitMQ's order, so that a refusal names configure, as a regular declare's would. */
    private void checkAny(Session s, String kind, String name) {
        if (s.trusted()) {
            return;
        }
        Grant g = grant(s.vhost().name(), s.user());
        if (g == null
                || !(g.allows(Permission.READ, name)
                        || g.allows(Permission.WRITE, name)
                        || g.allows(Permission.CONFIGURE, name))) {
            throw refused(s, Permission.CONFIGURE, kind, name);
        }
    }

    private static BrokerException refused(Session s, Permission permission, String kind, String name) {
        return new BrokerException(
                ErrorCode.ACCESS_REFUSED,
                permission.text() + " access to " + kind + " '" + name + "' in vhost '"
                        + s.vhost().name() + "' refused for user '" + s.user() + "'");
    }

    private Grant grant(String vhost, String user) {
        Map<String, Grant> inVhost = grants.get(vhost);
        return inVhost == null ? null : inVhost.get(user);
    }

    // ------------------------------------------------------------------ definitions

    boolean hasUser(String user) {
        return users.containsKey(user);
    }

    /** Whether the user has a permission entry in the vhost, and so may open sessions there. */
    boolean hasPermissions(String vhost, String user) {
        return grant(vhost, user) != null;
    }

    /**
     * Checks that a permission pattern is a regular expression.
     *
     * @throws BrokerException {@code PRECONDITION_FAILED} naming it when it is not
     */
    static void validatePattern(String which, String regex) {
        try {
            Grant.pattern(regex);
        } catch (PatternSyntaxException e) {
            throw new BrokerException(
                    ErrorCode.PRECONDITION_FAILED,
                    "invalid " + which + " pattern '" + regex + "': " + e.getDescription());
        }
    }

    /** The users, by name. */
    List<UserDefinition> users() {
        List<UserDefinition> all = new ArrayList<>(users.values());
        all.sort(Comparator.comparing(UserDefinition::name));
        return all;
    }

    /** Every permission entry, by vhost then user. */
    List<PermissionDefinition> permissions() {
        List<PermissionDefinition> all = new ArrayList<>();
        for (Map<String, Grant> inVhost : grants.values()) {
            for (Grant g : inVhost.values()) {
                all.add(g.definition());
            }
        }
        all.sort(Comparator.comparing(PermissionDefinition::vhost).thenComparing(PermissionDefinition::user));
        return all;
    }

    /**
     * Applies one record: the only way users and permissions change, live and at recovery. Runs under the definitions
     * lock; the broker has checked that a permission's vhost exists.
     */
    void replay(AccessRecord record) {
        switch (record) {
            case UserAdded r -> users.put(r.user().name(), r.user());
            case UserRemoved r -> {
                users.remove(r.name());
                for (Map<String, Grant> inVhost : grants.values()) {
                    inVhost.remove(r.name());
                }
            }
            case PermissionSet r -> {
                PermissionDefinition p = r.permission();
                if (!users.containsKey(p.user())) {
                    throw new IllegalStateException("definitions give permissions to a missing user: " + r);
                }
                grants.computeIfAbsent(p.vhost(), v -> new ConcurrentHashMap<>())
                        .put(p.user(), Grant.compile(p));
            }
            case PermissionRemoved r -> {
                Map<String, Grant> inVhost = grants.get(r.vhost());
                if (inVhost != null) {
                    inVhost.remove(r.user());
                }
            }
        }
    }

    /** A vhost is gone, and every permission in it (as RabbitMQ's vhost deletion). Replay only. */
    void vhostRemoved(String vhost) {
        grants.remove(vhost);
    }

    /** The users, then the permissions, as records that rebuild them (for a snapshot; after the vhosts). */
    void durableState(List<DefinitionRecord> into) {
        for (UserDefinition u : users()) {
            into.add(new UserAdded(u));
        }
        for (PermissionDefinition p : permissions()) {
            into.add(new PermissionSet(p));
        }
    }
}
