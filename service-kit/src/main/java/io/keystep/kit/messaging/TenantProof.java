package io.keystep.kit.messaging;

import io.keystep.events.AccessRefused;
import io.keystep.kit.web.AccessRefusals;
import io.keystep.kit.web.TenantClaimCheck;
import io.keystep.kit.web.VerifiedTokenCache;
import io.smallrye.jwt.auth.principal.ParseException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.jwt.JsonWebToken;

import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Decides whether a record from outside the platform proved the tenant its envelope names. The writer's bearer token
 * travels in header {@value #AUTHORIZATION} ({@code Bearer <jwt>}, as over HTTP) and is verified as at the REST edge
 * (signature, issuer, audience, expiry, through {@link VerifiedTokenCache}, so a token that verified is not verified
 * again for a minute); it must carry the topic's role and its {@code tenant} claim must be the envelope's. A topic that
 * platform services write too may accept their {@link EventOrigin} proof instead. A refused record is not acted on:
 * its consumer dead-letters it ({@link #deadLetterHeaders}) and publishes the refusal ({@link #publishRefusal}).
 */
@ApplicationScoped
public class TenantProof {

    /** The record header carrying the writer's bearer token. */
    public static final String AUTHORIZATION = "authorization";
    /** The dead-letter header naming why a record was refused ({@link AccessRefused.Reason}). */
    public static final String REFUSAL_HEADER = "keystep-refusal";
    /** The tenant a refusal is kept under when the record proved none. */
    public static final String UNPROVEN_TENANT = "unknown";
    /** The subject of a refusal when the record proved no caller. */
    public static final String UNPROVEN_SUBJECT = "unauthenticated";
    /** The subject of a record accepted on its origin proof. */
    public static final String PLATFORM_SUBJECT = "platform";
    /** The {@code method} of a refused record's {@link AccessRefused}. */
    public static final String METHOD = "KAFKA";
    private static final String BEARER = "bearer ";

    /**
     * What was decided about one record.
     *
     * @param reason       null when accepted
     * @param detail       why it was refused, in words (never the token)
     * @param callerTenant the tenant the token proved, null when none
     * @param subject      the token's subject, or {@link #UNPROVEN_SUBJECT}; {@link #PLATFORM_SUBJECT} for an origin proof
     * @param namedTenant  the tenant the envelope names
     */
    public record Verdict(AccessRefused.Reason reason, String detail, String callerTenant, String subject,
                          String namedTenant) {

        public boolean accepted() {
            return reason == null;
        }

        /** The tenant the refusal belongs to: the proven caller's, never one the record only named. */
        public String refusalTenant() {
            return callerTenant == null ? UNPROVEN_TENANT : callerTenant;
        }
    }

    private final VerifiedTokenCache tokens;
    private final TenantClaimCheck tenants;
    private final AccessRefusals refusals;

    public TenantProof(VerifiedTokenCache tokens, TenantClaimCheck tenants, AccessRefusals refusals) {
        this.tokens = tokens;
        this.tenants = tenants;
        this.refusals = refusals;
    }

    /**
     * Whether the record's token (header {@value #AUTHORIZATION}, read through {@code headers}) proves
     * {@code namedTenant} for a writer with {@code role}.
     */
    public Verdict check(UnaryOperator<String> headers, String namedTenant, String role) {
        String authorization = headers.apply(AUTHORIZATION);
        if (authorization == null || authorization.isBlank()) {
            return refused(AccessRefused.Reason.UNAUTHENTICATED, "the record carries no bearer token", null, null,
                    namedTenant);
        }
        if (!authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return refused(AccessRefused.Reason.UNAUTHENTICATED, "the authorization header is not a bearer token",
                    null, null, namedTenant);
        }
        JsonWebToken jwt;
        try {
            jwt = tokens.parse(authorization.substring(BEARER.length()).trim());
        } catch (ParseException | RuntimeException e) {
            // a bad token, or no key to verify any with (fail closed either way)
            return refused(AccessRefused.Reason.UNAUTHENTICATED, "the bearer token does not verify", null, null,
                    namedTenant);
        }
        String tenant = tenants.tenantOf(jwt);
        if (tenant == null) {
            return refused(AccessRefused.Reason.UNAUTHENTICATED, "the bearer token names no tenant", null, null,
                    namedTenant);
        }
        String subject = jwt.getSubject() == null || jwt.getSubject().isBlank() ? "unknown" : jwt.getSubject();
        Set<String> groups = jwt.getGroups();
        if (groups == null || !groups.contains(role)) {
            return refused(AccessRefused.Reason.ROLE_NOT_ALLOWED, "the token's role is not " + role, tenant, subject,
                    namedTenant);
        }
        if (!tenant.equals(namedTenant)) {
            return refused(AccessRefused.Reason.CROSS_TENANT, "the token's tenant is not the event's", tenant,
                    subject, namedTenant);
        }
        return new Verdict(null, null, tenant, subject, namedTenant);
    }

    /**
     * As {@link #check}, for a topic platform services write too: a record carrying a valid origin proof
     * ({@link EventOrigin#HEADER}) over {@code topic}, {@code key} and {@code value} is the platform's own.
     */
    public Verdict check(UnaryOperator<String> headers, String namedTenant, String role, EventOrigin origin,
                         String topic, String key, String value) {
        String proof = headers.apply(EventOrigin.HEADER);
        if (proof != null && origin.verifies(topic, key, value, proof)) {
            return new Verdict(null, null, namedTenant, PLATFORM_SUBJECT, namedTenant);
        }
        if (headers.apply(AUTHORIZATION) == null) {
            return refused(AccessRefused.Reason.UNAUTHENTICATED, proof == null
                    ? "the record carries neither a bearer token nor an origin proof"
                    : "the origin proof does not verify", null, null, namedTenant);
        }
        return check(headers, namedTenant, role);
    }

    /** The headers a refused record's dead-letter copy carries besides SmallRye's {@code dead-letter-*}. */
    public static Map<String, String> deadLetterHeaders(Verdict verdict) {
        return Map.of(REFUSAL_HEADER, verdict.reason().name());
    }

    /**
     * Publishes the refusal of a record read from {@code topic} under the tenant it proved (else
     * {@link #UNPROVEN_TENANT}), naming the tenant the record named; completes, never fails, within
     * {@link AccessRefusals}' timeout.
     */
    public Uni<Void> publishRefusal(Verdict verdict, String topic) {
        String named = verdict.namedTenant() == null || verdict.namedTenant().equals(verdict.callerTenant()) ? null
                : verdict.namedTenant();
        return refusals.forbidden(verdict.refusalTenant(), verdict.subject(), METHOD, topic, verdict.reason(), named);
    }

    private static Verdict refused(AccessRefused.Reason reason, String detail, String tenant, String subject,
                                   String namedTenant) {
        return new Verdict(reason, detail, tenant, subject == null ? UNPROVEN_SUBJECT : subject, namedTenant);
    }
}
