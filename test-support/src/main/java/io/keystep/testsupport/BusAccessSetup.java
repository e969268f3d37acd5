package io.keystep.testsupport;

import io.keystep.events.BusAccess;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * Puts {@link BusAccess} on a broker through the Admin API, as its operator: SCRAM users, ACLs and topics. The local
 * broker gets its users when formatted and its ACLs here; a broker the environment names gets all three here.
 */
public final class BusAccessSetup {

    private BusAccessSetup() {
    }

    /** The ACL bindings that allow exactly what {@link BusAccess} grants. */
    public static List<AclBinding> bindings() {
        List<AclBinding> bindings = new ArrayList<>();
        for (BusAccess.Grant grant : BusAccess.GRANTS) {
            String user = "User:" + grant.principal();
            for (String topic : grant.writes()) {
                bindings.add(allow(ResourceType.TOPIC, topic, PatternType.LITERAL, user, AclOperation.WRITE));
            }
            for (String topic : grant.reads()) {
                bindings.add(allow(ResourceType.TOPIC, topic, PatternType.LITERAL, user, AclOperation.READ));
            }
            PatternType groupPattern = grant.groupsByPrefix() ? PatternType.PREFIXED : PatternType.LITERAL;
            for (String group : grant.groups()) {
                bindings.add(allow(ResourceType.GROUP, group, groupPattern, user, AclOperation.READ));
            }
        }
        return bindings;
    }

    private static AclBinding allow(ResourceType type, String name, PatternType pattern, String user,
                                    AclOperation operation) {
        return new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry(user, "*", operation, AclPermissionType.ALLOW));
    }

    public static void applyAcls(Admin admin) {
        await(admin.createAcls(bindings()).all(), "create the bus ACLs");
    }

    /** Creates (or resets) the SCRAM credential of every principal of the table. */
    public static void applyUsers(Admin admin, BusCredentials credentials) {
        List<UserScramCredentialUpsertion> upserts = BusAccess.principals().stream()
                .map(principal -> new UserScramCredentialUpsertion(principal,
                        new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), credentials.password(principal)))
                .map(UserScramCredentialUpsertion.class::cast)
                .toList();
        await(admin.alterUserScramCredentials(List.copyOf(upserts)).all(), "create the bus users");
    }

    /** Creates the topics that do not exist yet, with the cluster's default replication. */
    public static void createTopics(Admin admin, Collection<String> names, int partitions) {
        try {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            Set<NewTopic> missing = names.stream()
                    .filter(name -> !existing.contains(name))
                    .map(name -> new NewTopic(name, Optional.of(partitions), Optional.empty()))
                    .collect(Collectors.toSet());
            // Per topic: the admin client retries a creation the broker was slow to answer, and a retry of a
            // creation that did succeed reports the topic as existing. That, or another JVM's creation, is fine.
            for (Map.Entry<String, KafkaFuture<Void>> created : admin.createTopics(missing).values().entrySet()) {
                try {
                    created.getValue().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not create topics " + names, e);
        }
    }

    private static void await(KafkaFuture<Void> future, String what) {
        try {
            future.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while trying to " + what, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not " + what, e);
        }
    }
}
