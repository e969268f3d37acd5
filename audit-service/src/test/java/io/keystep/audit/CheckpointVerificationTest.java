package io.keystep.audit;

import io.keystep.audit.domain.CheckpointSigner;
import io.keystep.audit.store.CheckpointPublisher;
import io.keystep.testsupport.auth.Callers;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * {@code /v1/audit/verify} checks what whoever can write the audit database cannot fake: checkpoint signatures with
 * the configured public key, and the trail's tail against the newest checkpoint published on Kafka.
 */
@QuarkusTest
class CheckpointVerificationTest {

    static final Duration WAIT = AuditIngestTest.WAIT;

    @Inject
    CheckpointPublisher checkpoints;

    @Test
    void aTailDeletedFromTheDatabaseIsCaughtByTheCheckpointPublishedOnKafka() {
        String tenant = Trail.unique("truncated");
        Trail.appendChain(tenant, "u", 5, Instant.now().truncatedTo(ChronoUnit.SECONDS));
        checkpoints.publish().await().atMost(WAIT);
        Callers.compliance(tenant).when().get("/v1/audit/verify").then().log().ifValidationFails().statusCode(200)
                .body("intact", equalTo(true)).body("publishedCheckpoint.chainSeq", equalTo(5));

        // an insider deletes the last two rows, moves the head back to row 3 and deletes the database's checkpoints:
        // what is left is a consistent chain of three rows
        Trail.execute("DELETE FROM audit_event_id WHERE event_id IN (SELECT event_id FROM audit_event"
                + " WHERE tenant_id = ? AND chain_seq > 3)", tenant);
        Trail.execute("DELETE FROM audit_event WHERE tenant_id = ? AND chain_seq > 3", tenant);
        Trail.execute("UPDATE audit_chain_head SET last_seq = 3, last_hash = (SELECT hash FROM audit_event"
                + " WHERE tenant_id = ? AND chain_seq = 3) WHERE tenant_id = ?", tenant, tenant);
        Trail.execute("DELETE FROM audit_checkpoint WHERE tenant_id = ?", tenant);

        Callers.compliance(tenant).when().get("/v1/audit/verify").then().log().ifValidationFails().statusCode(200)
                .body("intact", equalTo(false)).body("headSeq", equalTo(3))
                .body("firstBroken.chainSeq", equalTo(4))
                .body("firstBroken.reason", containsString("truncated"))
                .body("firstBroken.reason", containsString("audit.checkpoint.v1"))
                .body("publishedCheckpoint.chainSeq", equalTo(5));
    }

    @Test
    void aCheckpointWrittenIntoTheDatabaseWithAnotherKeyDoesNotVouchForTheChain() throws Exception {
        String tenant = Trail.unique("forged");
        Trail.appendChain(tenant, "u", 3, Instant.now().truncatedTo(ChronoUnit.SECONDS));
        checkpoints.publish().await().atMost(WAIT);
        Callers.compliance(tenant).when().get("/v1/audit/verify").then().log().ifValidationFails().statusCode(200).body("intact", equalTo(true));

        // a checkpoint of the present head, under the configured key id, signed with a key of the insider's own
        var pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        var signer = new CheckpointSigner(Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded()));
        String head = (String) Trail.rows("tenant_id = ? AND chain_seq = 3", tenant).get(0).get("hash");
        Instant at = Instant.now().truncatedTo(ChronoUnit.MICROS);
        Trail.execute("INSERT INTO audit_checkpoint (tenant_id, chain_seq, head_hash, signed_at, key_id, algorithm,"
                        + " signature) VALUES (?, 3, ?, ?, 'test-1', 'Ed25519', ?)", tenant, head,
                java.sql.Timestamp.from(at), signer.sign(tenant, 3, head, at));

        Callers.compliance(tenant).when().get("/v1/audit/verify").then().log().ifValidationFails().statusCode(200)
                .body("intact", equalTo(false)).body("firstBroken.chainSeq", equalTo(3))
                .body("firstBroken.reason", containsString("signature does not verify"));
    }
}
