package io.hermod.broker.queue;

import io.hermod.broker.BrokerException;
import io.hermod.broker.ErrorCode;
import io.hermod.broker.definitions.PolicyDefinition;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * How policies (RabbitMQ's) combine with a queue's own arguments into the arguments the queue runs with. Of the
 * policies matching the queue's name the one of the highest priority applies, likewise of the operator policies. As
 * in rabbit_amqqueue_process: for the numeric limits ({@code message-ttl}, {@code expires}, {@code max-length},
 * {@code max-length-bytes}, {@code delivery-limit}) the lowest of the queue's argument, the policy's and the operator
 * policy's wins; so does, for {@code consumer-timeout}, the lowest of the argument and the policy (rabbit_channel's
 * args_policy_lookup with min; no operator policy sets it); for the others the queue's own argument wins over the
 * policy's.
 *
 * <p>Stateless.
 */
public final class QueuePolicies {

    /** Policy keys whose lowest value wins; the only ones an operator policy may set. */
    public static final Set<String> LIMITS =
            Set.of("message-ttl", "expires", "max-length", "max-length-bytes", "delivery-limit");

    /** Policy keys whose lowest value wins that only a policy, not an operator policy, sets. */
    public static final Set<String> POLICY_LIMITS = Set.of("consumer-timeout");

    /** Policy keys where the queue's own argument wins. */
    public static final Set<String> OTHERS = Set.of(
            "overflow",
            "dead-letter-exchange",
            "dead-letter-routing-key",
            "queue-mode",
            "retry-delay",
            "retry-multiplier",
            "retry-max-delay",
            "retry-jitter");

    private static final Set<String> POLICY_KEYS = union(LIMITS, POLICY_LIMITS, OTHERS);

    private QueuePolicies() {}

    /** The arguments a queue with these declared arguments runs with under these policies (any order). */
    public static Map<String, Object> effective(
            String queue, Map<String, Object> declared, List<PolicyDefinition> policies) {
        PolicyDefinition policy = applying(queue, policies, false).orElse(null);
        PolicyDefinition operator = applying(queue, policies, true).orElse(null);
        if (policy == null && operator == null) {
            return declared;
        }
        Map<String, Object> effective = new LinkedHashMap<>(declared);
        for (PolicyDefinition p : new PolicyDefinition[] {policy, operator}) {
            if (p == null) {
                continue;
            }
            p.definition().forEach((key, value) -> {
                String argument = "x-" + key;
                Object current = effective.get(argument);
                if (LIMITS.contains(key) || POLICY_LIMITS.contains(key) && !p.operator()) {
                    if (!(current instanceof Number c) || value instanceof Number v && v.longValue() < c.longValue()) {
                        effective.put(argument, value);
                    }
                } else if (OTHERS.contains(key) && !p.operator() && !declared.containsKey(argument)) {
                    effective.put(argument, value);
                }
            });
        }
        return effective;
    }

    /** The keys Hermod applies of a policy, or with {@code operator} of an operator policy. */
    public static Set<String> keys(boolean operator) {
        return operator ? LIMITS : POLICY_KEYS;
    }

    @SafeVarargs
    private static Set<String> union(Set<String>... sets) {
        Set<String> all = new HashSet<>();
        for (Set<String> s : sets) {
            all.addAll(s);
        }
        return Set.copyOf(all);
    }

    /** The policy (or with {@code operator} the operator policy) that applies to a queue by this name, if any. */
    public static Optional<PolicyDefinition> applying(String queue, List<PolicyDefinition> policies, boolean operator) {
        return policies.stream()
                .filter(p -> p.operator() == operator && p.matchesQueue(queue))
                .max(Comparator.comparingInt(PolicyDefinition::priority)
                        .thenComparing(PolicyDefinition::name, Comparator.reverseOrder()));
    }

    /**
     * Checks a policy as RabbitMQ's policy validators would: the pattern compiles, apply-to is known, every key is
     * one Hermod applies (an operator policy: limits only) and every value is what the queue argument takes.
     *
     * @throws BrokerException {@code PRECONDITION_FAILED} naming what is wrong
     */
    public static void validate(PolicyDefinition p) {
        try {
            Pattern.compile(p.pattern());
        } catch (PatternSyntaxException e) {
            throw invalid(p, "pattern '" + p.pattern() + "' is not a regular expression: " + e.getDescription());
        }
        if (!Set.of("queues", "exchanges", "all").contains(p.applyTo())) {
            throw invalid(p, "apply-to '" + p.applyTo() + "' is not queues, exchanges or all");
        }
        if (p.operator() && p.applyTo().equals("exchanges")) {
            throw invalid(p, "an operator policy applies to queues");
        }
        if (p.definition().isEmpty()) {
            throw invalid(p, "the definition is empty");
        }
        Map<String, Object> asArguments = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : p.definition().entrySet()) {
            if (!keys(p.operator()).contains(e.getKey())) {
                throw invalid(
                        p,
                        "unrecognised term '" + e.getKey() + "'"
                                + (p.operator() ? " (an operator policy sets only " + LIMITS + ")" : ""));
            }
            asArguments.put("x-" + e.getKey(), e.getValue());
        }
        if (asArguments.containsKey(QueueArguments.DEAD_LETTER_ROUTING_KEY)) {
            asArguments.putIfAbsent(QueueArguments.DEAD_LETTER_EXCHANGE, ""); // checked together with the queue's
        }
        boolean retryOption = asArguments.keySet().stream().anyMatch(k -> k.startsWith("x-retry-"));
        if (retryOption) {
            asArguments.putIfAbsent(RetryBackoff.DELAY, 0); // options are checked together with the queue's delay
        }
        QueueArguments.validate(p.vhost(), "policy " + p.name(), asArguments);
    }

    private static BrokerException invalid(PolicyDefinition p, String why) {
        return new BrokerException(
                ErrorCode.PRECONDITION_FAILED,
                "invalid policy '" + p.name() + "' in vhost '" + p.vhost() + "': " + why);
    }
}
