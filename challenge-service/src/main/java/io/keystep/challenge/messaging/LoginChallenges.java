package io.keystep.challenge.messaging;

import io.keystep.challenge.config.ChallengeConfig;
import io.keystep.challenge.domain.CodeDigest;
import io.keystep.challenge.domain.CodeGenerator;
import io.keystep.challenge.domain.NewChallenge;
import io.keystep.challenge.domain.TenantSettings;
import io.keystep.challenge.factors.LoginFactors;
import io.keystep.challenge.store.ChallengeStore;
import io.keystep.challenge.store.UserTags;
import io.keystep.events.ChallengeIssued;
import io.keystep.events.Purpose;
import io.keystep.kit.formats.CodeUse;
import io.keystep.kit.formats.DeliverySeal;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.List;

/**
 * Opens a login's challenge on one of the user's factors. A challenge on the phone holds the digest of a fresh code
 * and comes with its sealed delivery job; one answered by an authenticator or a recovery code holds the digest of
 * the internal approval value that only that factor unlocks, and nothing is sent. Either way the new challenge
 * replaces the user's pending one for the same purpose and inherits its spent attempts, so that moving a login to
 * another factor never buys a guess.
 */
@ApplicationScoped
public class LoginChallenges {

    /**
     * The login a challenge answers.
     *
     * @param loginId           the login
     * @param userId            its user
     * @param deviceFingerprint its device, or null
     * @param purpose           its purpose
     * @param location          where it comes from, approximately ("Berlin, DE"), if known: a push shows it
     * @param userAgent         the browser or app it comes from, if known: a push shows it
     */
    public record Login(String loginId, String userId, String deviceFingerprint, Purpose purpose, String location,
                        String userAgent) {

        public Login(String loginId, String userId, String deviceFingerprint, Purpose purpose) {
            this(loginId, userId, deviceFingerprint, purpose, null, null);
        }
    }

    /**
     * A stored challenge, not yet announced.
     *
     * @param challengeId the challenge
     * @param job         the delivery job to publish, or null for a factor nothing is sent to
     * @param created     what storing it replaced
     * @param expiresAt   when it stops working
     * @param passkey     for a challenge on a passkey, the options the browser needs; else null
     * @param pushNumber  for a challenge on push, the number the login screen shows; else null
     */
    public record Opened(String challengeId, ChallengeIssued job, ChallengeStore.Created created, Instant expiresAt,
                         io.keystep.events.PasskeyRequest passkey, Integer pushNumber) {
    }

    private final ChallengeStore store;
    private final CodeGenerator codes;
    private final CodeDigest digests;
    private final DeliverySeal sealer;
    private final ChallengeConfig config;
    private final io.keystep.challenge.factors.Passkeys passkeys;

    private final io.keystep.challenge.factors.PushApprovals pushes;

    public LoginChallenges(ChallengeStore store, CodeGenerator codes, CodeDigest digests, DeliverySeal sealer,
                           ChallengeConfig config, io.keystep.challenge.factors.Passkeys passkeys,
                           io.keystep.challenge.factors.PushApprovals pushes) {
        this.passkeys = passkeys;
        this.pushes = pushes;
        this.store = store;
        this.codes = codes;
        this.digests = digests;
        this.sealer = sealer;
        this.config = config;
    }

    /** Stores a challenge for {@code login} on {@code option}, replacing the user's pending one. */
    public Uni<Opened> open(String tenantId, Login login, LoginFactors.Option option, TenantSettings tenant,
                            Instant now) {
        if (option.factor() == io.keystep.events.Factor.PUSH) {
            return pushes.policyOf(tenantId).flatMap(policy -> openPush(tenantId, login, option, tenant,
                    now, policy));
        }
        Instant expiresAt = now.plus(tenant.codeTtl());
        String challengeId = UserTags.newChallengeId(tenantId, login.userId());
        NewChallenge challenge;
        ChallengeIssued job = null;
        if (option.sendsCode()) {
            String code = codes.next(tenant.codeLength());
            challenge = new NewChallenge(challengeId, tenantId, login.userId(), login.loginId(),
                    login.deviceFingerprint(), login.purpose().name(), digests.digest(tenantId, challengeId, code),
                    tenant.maxAttempts(), expiresAt, option.plan(), option.destination(), config.locale(), null, null,
                    tenant.codeLength());
            CodeUse use = new CodeUse(tenantId, challengeId, login.userId(), option.plan(), option.destination(),
                    login.purpose(), 1, expiresAt, config.locale(), null, null);
            job = use.job(login.loginId(), sealer.sealCode(use, code));
        } else {
            int digits = option.digits() > 0 ? option.digits() : tenant.codeLength();
            challenge = new NewChallenge(challengeId, tenantId, login.userId(), login.loginId(),
                    login.deviceFingerprint(), login.purpose().name(), digests.digest(tenantId, challengeId,
                    digests.authenticatorApproval(tenantId, challengeId)), tenant.maxAttempts(), expiresAt,
                    List.of(), null, config.locale(), null, null, digits, option.heldBy());
        }
        ChallengeIssued delivery = job;
        Uni<java.util.Optional<io.keystep.events.PasskeyRequest>> passkey =
                option.factor() == io.keystep.events.Factor.PASSKEY
                        ? passkeys.requestOptions(tenantId, login.userId(), challengeId, tenant.codeTtl())
                        : Uni.createFrom().item(java.util.Optional.empty());
        return passkey.flatMap(request -> store.create(challenge, now, expiresAt.plus(config.retainAfterExpiry()))
                .map(created -> new Opened(challengeId, delivery, created, expiresAt, request.orElse(null), null)));
    }

    /**
     * A challenge on push: a number for the login screen (its digest is what the challenge holds), a nonce the
     * notification carries sealed like a code (its digest kept beside the challenge, for the app's answer), and the
     * login's context for the app. It lives for the tenant's push time, not a code's.
     */
    private Uni<Opened> openPush(String tenantId, Login login, LoginFactors.Option option, TenantSettings tenant,
                                 Instant now, io.keystep.challenge.domain.PushPolicy policy) {
        return openPush(tenantId, UserTags.newChallengeId(tenantId, login.userId()), login, option, tenant, now,
                policy, null, null);
    }

    /**
     * Stores push challenge {@code challengeId} (a Verify API verification names its own id, and may bind an amount
     * and payee) and makes its delivery job.
     */
    public Uni<Opened> openPush(String tenantId, String challengeId, Login login, LoginFactors.Option option,
                                TenantSettings tenant, Instant now, io.keystep.challenge.domain.PushPolicy policy,
                                String amount, String payee) {
        Instant expiresAt = now.plus(policy.ttl());
        io.keystep.challenge.factors.PushApprovals.Push push = pushes.newPush(tenantId, challengeId,
                io.keystep.challenge.domain.Bindings.of(amount, payee));
        NewChallenge challenge = new NewChallenge(challengeId, tenantId, login.userId(), login.loginId(),
                login.deviceFingerprint(), login.purpose().name(), push.digest(), tenant.maxAttempts(), expiresAt,
                option.plan(), null, config.locale(), amount, payee, 2, option.heldBy());
        CodeUse use = new CodeUse(tenantId, challengeId, login.userId(), option.plan(), option.pushTarget(),
                login.purpose(), 1, expiresAt, config.locale(), null, null);
        ChallengeIssued job = use.job(login.loginId(), sealer.sealCode(use, push.nonce()));
        java.util.Map<String, String> extra = java.util.Map.of("nonceDigest", push.nonceDigest(), "pushContext",
                pushes.context(policy, login.location(), login.userAgent(), now), "pushTarget",
                digests.pseudonym(tenantId, option.pushTarget()));
        return store.create(challenge, now, expiresAt.plus(config.retainAfterExpiry()), extra)
                .map(created -> new Opened(challengeId, job, created, expiresAt, null, push.number()));
    }
}
