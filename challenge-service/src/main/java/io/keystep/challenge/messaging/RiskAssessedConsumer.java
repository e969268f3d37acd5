package io.keystep.challenge.messaging;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.challenge.domain.LoginChallenger;
import io.keystep.challenge.domain.Tenants;
import io.keystep.events.Envelope;
import io.keystep.events.RiskAssessed;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Turns risk-service's verdicts into login decisions. A record that does not parse fails, and so goes to
 * {@code risk.assessed.v1.dlq} while the consumer carries on.
 */
@ApplicationScoped
public class RiskAssessedConsumer {

    private static final TypeReference<Envelope<RiskAssessed>> TYPE = new TypeReference<>() {
    };

    private final ObjectMapper mapper;
    private final LoginChallenger challenger;

    public RiskAssessedConsumer(ObjectMapper mapper, LoginChallenger challenger) {
        this.mapper = mapper;
        this.challenger = challenger;
    }

    @Incoming("risk-assessed")
    public Uni<Void> consume(String value) {
        Envelope<RiskAssessed> envelope;
        try {
            envelope = parse(value);
        } catch (Exception e) {
            return Uni.createFrom().failure(new IllegalArgumentException("malformed risk.assessed record: "
                    + e.getMessage(), e));
        }
        return challenger.decide(envelope.tenantId(), envelope.payload());
    }

    private Envelope<RiskAssessed> parse(String value) throws Exception {
        if (value == null) {
            throw new IllegalArgumentException("empty record");
        }
        Envelope<RiskAssessed> envelope = mapper.readValue(value, TYPE);
        if (envelope == null) {
            throw new IllegalArgumentException("empty record");
        }
        if (!RiskAssessed.TYPE.equals(envelope.type())) {
            throw new IllegalArgumentException("unexpected type " + envelope.type());
        }
        if (!Tenants.isValid(envelope.tenantId())) {
            throw new IllegalArgumentException("invalid tenant id");
        }
        return envelope;
    }
}
