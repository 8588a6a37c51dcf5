package io.hermod.broker;

import io.hermod.broker.AccessControl.Permission;
import io.hermod.broker.definitions.PermissionDefinition;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One user's permissions in one vhost, compiled: the three patterns of a {@link PermissionDefinition} and, for each, a
 * small cache of the names already matched, so that the publish path checks a name with one map lookup instead of a
 * regular-expression match (which allocates a {@link java.util.regex.Matcher} each time). Replay builds a new grant
 * whenever the permissions change, so the cache never outlives the patterns it was filled from.
 *
 * <p>Matching is RabbitMQ's ({@code rabbit_auth_backend_internal:check_resource_access/4}): the pattern may match
 * anywhere in the name (anchor it with {@code ^...$} to match whole names), and the empty pattern means {@code ^$}.
 * Patterns are Java regular expressions, which agree with RabbitMQ's PCRE on the patterns permissions use.
 *
 * <p>Threading: immutable but for the caches, which are concurrent; read from any thread.
 */
final class Grant {

    private static final Logger LOG = LoggerFactory.getLogger(Grant.class);

    /** Names remembered per pattern; past it the cache starts over (names come from clients, unbounded in number). */
    static final int CACHE_LIMIT = 1024;

    private final PermissionDefinition definition;
    private final Matching configure;
    private final Matching write;
    private final Matching read;

    private Grant(PermissionDefinition definition, Matching configure, Matching write, Matching read) {
        this.definition = definition;
        this.configure = configure;
        this.write = write;
        this.read = read;
    }

    /**
     * Compiles a permission definition. A pattern that does not compile (possible only in a log written by another
     * version; commands refuse invalid patterns) matches nothing, as RabbitMQ denies on a regex error.
     */
    static Grant compile(PermissionDefinition definition) {
        return new Grant(
                definition,
                matching(definition, "configure", definition.configure()),
                matching(definition, "write", definition.write()),
                matching(definition, "read", definition.read()));
    }

    /**
     * Compiles one pattern as RabbitMQ reads it.
     *
     * @throws PatternSyntaxException when it is not a valid regular expression
     */
    static Pattern pattern(String regex) {
        return Pattern.compile(regex.isEmpty() ? "^$" : regex);
    }

    private static Matching matching(PermissionDefinition definition, String which, String regex) {
        try {
            return new Matching(pattern(regex));
        } catch (PatternSyntaxException e) {
            LOG.warn(
                    "The {} pattern '{}' of user '{}' in vhost '{}' is not a valid regular expression; it matches"
                            + " nothing",
                    which,
                    regex,
                    definition.user(),
                    definition.vhost());
            return new Matching(null);
        }
    }

    PermissionDefinition definition() {
        return definition;
    }

    /** Whether this grant allows {@code permission} on the resource named {@code name}. */
    boolean allows(Permission permission, String name) {
        return switch (permission) {
            case CONFIGURE -> configure.matches(name);
            case WRITE -> write.matches(name);
            case READ -> read.matches(name);
        };
    }

    /** A compiled pattern ({@code null}: matches nothing) with its cache of answers. */
    private static final class Matching {
        private final Pattern pattern;
        private final ConcurrentHashMap<String, Boolean> answers = new ConcurrentHashMap<>();

        Matching(Pattern pattern) {
            this.pattern = pattern;
        }

        boolean matches(String name) {
            if (pattern == null) {
                return false;
            }
            Boolean known = answers.get(name);
            if (known != null) {
                return known;
            }
            boolean match = pattern.matcher(name).find();
            if (answers.size() >= CACHE_LIMIT) {
                answers.clear();
            }
            answers.put(name, match);
            return match;
        }
    }
}
