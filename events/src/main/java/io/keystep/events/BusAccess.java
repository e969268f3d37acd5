package io.keystep.events;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Who may do what on the event bus: one Kafka principal per platform service and per kind of outside client, and
 * for each the topics it may write and read and the consumer groups it may join. The broker denies everything
 * else. This table is the one source the local broker's ACLs, the deployment's {@code KafkaUser} resources and
 * {@code docs/security.md} are checked against.
 */
public final class BusAccess {

    public static final String RISK_SERVICE = "risk-service";
    public static final String CHALLENGE_SERVICE = "challenge-service";
    public static final String DELIVERY_SERVICE = "delivery-service";
    public static final String AUDIT_SERVICE = "audit-service";
    /** A login gateway: publishes logins, reads decisions. */
    public static final String GATEWAY = "gateway";
    /** An external SMS worker: reads delivery jobs, reports what became of each message. */
    public static final String SMS_WORKER = "sms-worker";
    /** A compliance team's client: reads the trail's signed checkpoints. */
    public static final String COMPLIANCE = "compliance";

    /**
     * What one principal may do. Groups are literal names; a client principal's groups are a prefix instead
     * ({@code gateway-eu-1} under {@code gateway}), since every gateway or worker deployment names its own.
     */
    public record Grant(String principal, Set<String> writes, Set<String> reads, Set<String> groups,
                        boolean groupsByPrefix) {

        public Grant {
            writes = Set.copyOf(writes);
            reads = Set.copyOf(reads);
            groups = Set.copyOf(groups);
        }
    }

    /** Every grant, services first. Each service also writes the dead-letter topic of every topic it reads. */
    public static final List<Grant> GRANTS = List.of(
            service(RISK_SERVICE, List.of(Topics.RISK_ASSESSED),
                    List.of(Topics.LOGIN, Topics.VERIFICATION_COMPLETED, Topics.FACTOR_CHANGED),
                    Set.of(RISK_SERVICE)),
            service(CHALLENGE_SERVICE, List.of(Topics.LOGIN_DECISION, Topics.CHALLENGE_ISSUED,
                            Topics.VERIFICATION_COMPLETED, Topics.VERIFICATION_LIMITED, Topics.FACTOR_CHANGED),
                    List.of(Topics.RISK_ASSESSED, Topics.DELIVERY_STATUS), Set.of(CHALLENGE_SERVICE)),
            service(DELIVERY_SERVICE, List.of(Topics.DELIVERY_STATUS),
                    List.of(Topics.CHALLENGE_ISSUED, Topics.FACTOR_CHANGED),
                    Set.of(DELIVERY_SERVICE, DELIVERY_SERVICE + "-notices")),
            // The trail reads every platform topic and every dead-letter topic, and its own checkpoints (by partition
            // assignment, no group: /v1/audit/verify compares the trail's tail with the newest); it dead-letters only
            // the delivery statuses it refuses for not proving their tenant (it is their one consumer).
            new Grant(AUDIT_SERVICE, withPlatformEvents(List.of(Topics.AUDIT_CHECKPOINT,
                    Topics.deadLetter(Topics.DELIVERY_STATUS))),
                    with(allPlatformTopicsAndDeadLetters(), Topics.AUDIT_CHECKPOINT), Set.of(AUDIT_SERVICE), false),
            new Grant(GATEWAY, Set.of(Topics.LOGIN), Set.of(Topics.LOGIN_DECISION), Set.of(GATEWAY), true),
            new Grant(SMS_WORKER, Set.of(Topics.DELIVERY_STATUS), Set.of(Topics.CHALLENGE_ISSUED),
                    Set.of(SMS_WORKER), true),
            new Grant(COMPLIANCE, Set.of(), Set.of(Topics.AUDIT_CHECKPOINT), Set.of(COMPLIANCE), true));

    private BusAccess() {
    }

    /** Every principal of the table, in its order. */
    public static List<String> principals() {
        return GRANTS.stream().map(Grant::principal).toList();
    }

    public static Optional<Grant> grantOf(String principal) {
        return GRANTS.stream().filter(grant -> grant.principal().equals(principal)).findFirst();
    }

    /**
     * A service writes what it produces, the access refusals and tenant settings changes every service publishes,
     * and the dead-letter topic of each topic it consumes; it reads what it consumes.
     */
    private static Grant service(String principal, List<String> produces, List<String> consumes, Set<String> groups) {
        List<String> writes = new ArrayList<>(withPlatformEvents(produces));
        consumes.forEach(topic -> writes.add(Topics.deadLetter(topic)));
        return new Grant(principal, new LinkedHashSet<>(writes), new LinkedHashSet<>(consumes), groups, false);
    }

    private static Set<String> withPlatformEvents(List<String> produces) {
        Set<String> writes = new LinkedHashSet<>(produces);
        writes.add(Topics.ACCESS_REFUSED);
        writes.add(Topics.TENANT_SETTINGS_CHANGED);
        return writes;
    }

    private static Set<String> with(Set<String> topics, String topic) {
        Set<String> all = new LinkedHashSet<>(topics);
        all.add(topic);
        return all;
    }

    private static Set<String> allPlatformTopicsAndDeadLetters() {
        Set<String> reads = new LinkedHashSet<>();
        for (String topic : Topics.ALL) {
            reads.add(topic);
            reads.add(Topics.deadLetter(topic));
        }
        return reads;
    }
}
