package io.keystep.challenge.factors;

import com.webauthn4j.WebAuthnManager;
import com.webauthn4j.anchor.TrustAnchorRepository;
import com.webauthn4j.converter.AttestedCredentialDataConverter;
import com.webauthn4j.converter.exception.DataConversionException;
import com.webauthn4j.converter.util.ObjectConverter;
import com.webauthn4j.credential.CredentialRecordImpl;
import com.webauthn4j.data.AuthenticationData;
import com.webauthn4j.data.AuthenticationParameters;
import com.webauthn4j.data.AuthenticatorTransport;
import com.webauthn4j.data.PublicKeyCredentialParameters;
import com.webauthn4j.data.PublicKeyCredentialType;
import com.webauthn4j.data.RegistrationData;
import com.webauthn4j.data.RegistrationParameters;
import com.webauthn4j.data.attestation.authenticator.AttestedCredentialData;
import com.webauthn4j.data.attestation.authenticator.AuthenticatorData;
import com.webauthn4j.data.attestation.statement.COSEAlgorithmIdentifier;
import com.webauthn4j.data.attestation.statement.NoneAttestationStatement;
import com.webauthn4j.data.client.Origin;
import com.webauthn4j.data.client.challenge.DefaultChallenge;
import com.webauthn4j.server.ServerProperty;
import com.webauthn4j.util.Base64UrlUtil;
import com.webauthn4j.verifier.attestation.statement.androidkey.AndroidKeyAttestationStatementVerifier;
import com.webauthn4j.verifier.attestation.statement.androidsafetynet.AndroidSafetyNetAttestationStatementVerifier;
import com.webauthn4j.verifier.attestation.statement.apple.AppleAnonymousAttestationStatementVerifier;
import com.webauthn4j.verifier.attestation.statement.none.NoneAttestationStatementVerifier;
import com.webauthn4j.verifier.attestation.statement.packed.PackedAttestationStatementVerifier;
import com.webauthn4j.verifier.attestation.statement.tpm.TPMAttestationStatementVerifier;
import com.webauthn4j.verifier.attestation.statement.u2f.FIDOU2FAttestationStatementVerifier;
import com.webauthn4j.verifier.attestation.trustworthiness.certpath.DefaultCertPathTrustworthinessVerifier;
import com.webauthn4j.verifier.attestation.trustworthiness.certpath.NullCertPathTrustworthinessVerifier;
import com.webauthn4j.verifier.attestation.trustworthiness.self.NullSelfAttestationTrustworthinessVerifier;
import com.webauthn4j.verifier.attestation.trustworthiness.self.DefaultSelfAttestationTrustworthinessVerifier;
import com.webauthn4j.verifier.exception.BadAttestationStatementException;
import com.webauthn4j.verifier.exception.BadChallengeException;
import com.webauthn4j.verifier.exception.BadOriginException;
import com.webauthn4j.verifier.exception.BadRpIdException;
import com.webauthn4j.verifier.exception.BadSignatureException;
import com.webauthn4j.verifier.exception.CertificateException;
import com.webauthn4j.verifier.exception.MaliciousCounterValueException;
import com.webauthn4j.verifier.exception.NotAllowedAlgorithmException;
import com.webauthn4j.verifier.exception.NotAllowedCredentialIdException;
import com.webauthn4j.verifier.exception.SelfAttestationProhibitedException;
import com.webauthn4j.verifier.exception.TrustAnchorNotFoundException;
import com.webauthn4j.verifier.exception.UserNotPresentException;
import com.webauthn4j.verifier.exception.UserNotVerifiedException;
import com.webauthn4j.verifier.exception.VerificationException;
import io.keystep.challenge.domain.CodeDigest;
import io.keystep.challenge.domain.PasskeyPolicy;
import io.keystep.challenge.store.PasskeyCredentials;
import io.keystep.challenge.store.PasskeyRegistrations;
import io.keystep.challenge.store.PasskeySettingsRepository;
import io.keystep.events.Factor;
import io.keystep.events.FactorChange;
import io.keystep.events.FactorChanged;
import io.keystep.events.PasskeyRequest;
import io.keystep.kit.web.Problem;
import io.keystep.kit.web.ProblemException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Passkeys and security keys: Keystep is the WebAuthn server of each tenant's relying party, and the gateway's page
 * runs the browser's ceremony. Every check of a response (client data, challenge, origin, relying party, flags,
 * signature, attestation statement of every format, counter) is webauthn4j's; this class adds what the tenant's
 * policy and the user's account decide: whose credential it is, synced passkeys, authenticator models, trusted
 * attestation roots, and what a sign count that does not move forward means.
 */
@ApplicationScoped
public class Passkeys {

    private static final Logger LOG = Logger.getLogger(Passkeys.class);
    /** How long a registration may take from its options to the browser's response. */
    public static final Duration REGISTRATION_TTL = Duration.ofMinutes(5);
    /** Algorithms asked for, in order: ES256 (every authenticator), Ed25519, RS256 (Windows Hello). */
    private static final List<PublicKeyCredentialParameters> ALGORITHMS = List.of(
            new PublicKeyCredentialParameters(PublicKeyCredentialType.PUBLIC_KEY, COSEAlgorithmIdentifier.ES256),
            new PublicKeyCredentialParameters(PublicKeyCredentialType.PUBLIC_KEY, COSEAlgorithmIdentifier.EdDSA),
            new PublicKeyCredentialParameters(PublicKeyCredentialType.PUBLIC_KEY, COSEAlgorithmIdentifier.RS256));

    /** WebAuthn's {@code PublicKeyCredentialCreationOptions} in its JSON form. */
    public record CreationOptions(RelyingParty rp, User user, String challenge, List<Algorithm> pubKeyCredParams,
                                  long timeout, List<PasskeyRequest.Credential> excludeCredentials,
                                  Selection authenticatorSelection, String attestation) {
    }

    public record RelyingParty(String id, String name) {
    }

    public record User(String id, String name, String displayName) {
    }

    public record Algorithm(String type, long alg) {
    }

    public record Selection(String residentKey, boolean requireResidentKey, String userVerification) {
    }

    /** The outcome of an assertion: accepted, or refused and why (for logs and metrics, never for the caller). */
    public record Assertion(boolean accepted, String refusal) {
        static Assertion refused(String why) {
            return new Assertion(false, why);
        }
    }

    private final PasskeySettingsRepository settings;
    private final PasskeyCredentials credentials;
    private final PasskeyRegistrations registrations;
    private final CodeDigest digests;
    private final FactorNotices notices;
    private final FactorMetrics metrics;
    private final TrustedDevices trustedDevices;
    private final Clock clock;
    private final ObjectConverter converter = new ObjectConverter();
    private final AttestedCredentialDataConverter attestedData = new AttestedCredentialDataConverter(converter);
    /**
     * For attestation {@code none}: the statement of every format is verified (webauthn4j's "non-strict" manager
     * skips that, and would take a forged packed or TPM statement), but no root is required, since the tenant does
     * not ask which make the authenticator is.
     */
    private final WebAuthnManager anyAuthenticator = new WebAuthnManager(statementVerifiers(),
            new NullCertPathTrustworthinessVerifier(), new NullSelfAttestationTrustworthinessVerifier(), converter);
    private final SecureRandom random = new SecureRandom();

    public Passkeys(PasskeySettingsRepository settings, PasskeyCredentials credentials,
                    PasskeyRegistrations registrations, CodeDigest digests, FactorNotices notices,
                    FactorMetrics metrics, TrustedDevices trustedDevices, Clock clock) {
        this.settings = settings;
        this.credentials = credentials;
        this.registrations = registrations;
        this.digests = digests;
        this.notices = notices;
        this.metrics = metrics;
        this.trustedDevices = trustedDevices;
        this.clock = clock;
    }

    /** The tenant's relying party, or 409 {@code passkeys-not-configured}. */
    public Uni<PasskeyPolicy> policy(String tenantId) {
        return settings.policyOf(tenantId).map(found -> found.orElseThrow(() -> new ProblemException(Problem.of(409,
                "passkeys-not-configured", "Passkeys not configured", "the tenant has no passkey relying party:"
                        + " an admin sets one with PUT /v1/settings/passkeys"))));
    }

    /**
     * Starts a registration: a fresh challenge kept for {@link #REGISTRATION_TTL} (replacing one under way), the
     * user's credentials excluded so that one authenticator is not registered twice.
     */
    public Uni<CreationOptions> registrationOptions(String tenantId, String userId, String displayName) {
        return policy(tenantId).flatMap(policy -> credentials.ofUser(tenantId, userId).flatMap(existing -> {
            byte[] challenge = new byte[32];
            random.nextBytes(challenge);
            String encoded = Base64UrlUtil.encodeToString(challenge);
            CreationOptions options = new CreationOptions(new RelyingParty(policy.rpId(), policy.rpName()),
                    new User(Base64UrlUtil.encodeToString(digests.passkeyUserHandle(tenantId, userId)), userId,
                            displayName == null ? userId : displayName),
                    encoded, ALGORITHMS.stream().map(a -> new Algorithm("public-key", a.getAlg().getValue())).toList(),
                    REGISTRATION_TTL.toMillis(), existing.stream().map(Passkeys::descriptor).toList(),
                    new Selection("preferred", false, policy.userVerification()), policy.attestation());
            return registrations.put(tenantId, userId, encoded, REGISTRATION_TTL).replaceWith(options);
        }));
    }

    /**
     * Verifies the browser's registration response against the user's registration under way (which it uses up) and
     * the tenant's policy, then stores the passkey, tells the user on their other channels, and revokes the devices
     * trusted before it. A refusal is 422 {@code passkey-refused} naming why; a malformed response 400.
     */
    public Uni<PasskeyCredentials.Stored> register(String tenantId, String userId, String responseJson, String label) {
        return policy(tenantId).flatMap(policy -> registrations.take(tenantId, userId).flatMap(challenge -> {
            if (challenge.isEmpty()) {
                return Uni.createFrom().failure(refused("no registration is under way for this user: it expired"
                        + " after " + REGISTRATION_TTL.toMinutes() + " minutes, was used, or was never started"));
            }
            PasskeyCredentials.Stored stored = verifyRegistration(tenantId, userId, policy,
                    Base64UrlUtil.decode(challenge.get()), responseJson, label);
            return credentials.insert(tenantId, stored).flatMap(result -> {
                if (result == PasskeyCredentials.Insert.DUPLICATE) {
                    return Uni.createFrom().failure(new ProblemException(Problem.of(409, "credential-exists",
                            "Credential already registered", "this authenticator's credential is registered already")));
                }
                Instant now = clock.instant();
                return notices.publish(tenantId, now, new FactorChanged(userId, stored.factorId().toString(),
                                Factor.PASSKEY, FactorChange.ACTIVATED, stored.label()))
                        .invoke(() -> metrics.activated(tenantId, "passkey"))
                        .chain(() -> trustedDevices.revokeAll(tenantId, userId, "factor activated"))
                        .replaceWith(stored);
            });
        }));
    }

    private PasskeyCredentials.Stored verifyRegistration(String tenantId, String userId, PasskeyPolicy policy,
                                                         byte[] challenge, String responseJson, String label) {
        WebAuthnManager manager = policy.directAttestation() ? attested(policy) : anyAuthenticator;
        RegistrationData data;
        try {
            data = manager.parseRegistrationResponseJSON(responseJson);
        } catch (DataConversionException | IllegalArgumentException | NullPointerException e) {
            throw ProblemException.invalid("credential", "must be the browser's registration response"
                    + " (PublicKeyCredential.toJSON() of navigator.credentials.create())");
        }
        try {
            manager.verify(data, new RegistrationParameters(server(policy, challenge), ALGORITHMS,
                    policy.userVerificationRequired(), true));
        } catch (VerificationException e) {
            metrics.passkeyRefused(tenantId, "registration", e.getClass().getSimpleName());
            throw refused(why(e));
        } catch (DataConversionException e) {
            throw ProblemException.invalid("credential", "is not a well-formed registration response");
        }
        AuthenticatorData<?> authenticator = data.getAttestationObject().getAuthenticatorData();
        AttestedCredentialData attested = authenticator.getAttestedCredentialData();
        String format = data.getAttestationObject().getFormat();
        if (policy.directAttestation() && "none".equals(format)) {
            metrics.passkeyRefused(tenantId, "registration", "no_attestation");
            throw refused("the authenticator gave no attestation, and the tenant accepts only attested"
                    + " authenticators (attestation direct)");
        }
        if (authenticator.isFlagBE() && !policy.allowSynced()) {
            metrics.passkeyRefused(tenantId, "registration", "synced");
            throw refused("the passkey can be synced to other devices (backup eligible), and the tenant accepts only"
                    + " device-bound passkeys and security keys");
        }
        UUID aaguid = attested.getAaguid().getValue();
        if (!policy.acceptsModel(aaguid)) {
            metrics.passkeyRefused(tenantId, "registration", "aaguid");
            throw refused("the tenant does not accept this authenticator model (AAGUID " + aaguid + ")");
        }
        List<String> transports = data.getTransports() == null ? List.of()
                : data.getTransports().stream().map(AuthenticatorTransport::getValue).sorted().toList();
        String name = label == null || label.isBlank() ? "passkey" : label.trim();
        Instant now = clock.instant();
        return new PasskeyCredentials.Stored(UUID.randomUUID(), userId, name, attested.getCredentialId(),
                digests.passkeyUserHandle(tenantId, userId), attestedData.convert(attested),
                authenticator.getSignCount(), transports, authenticator.isFlagUV(), authenticator.isFlagBE(),
                authenticator.isFlagBS(), format, aaguid, now, null, null);
    }

    /**
     * The options of a verification answered with a passkey: its derived challenge and the user's credentials. Empty
     * when the tenant has no relying party or the user no passkey.
     */
    public Uni<Optional<PasskeyRequest>> requestOptions(String tenantId, String userId, String challengeId,
                                                         Duration timeout) {
        return settings.policyOf(tenantId).flatMap(policy -> policy.isEmpty()
                ? Uni.createFrom().item(Optional.<PasskeyRequest>empty())
                : credentials.ofUser(tenantId, userId).map(mine -> mine.isEmpty() ? Optional.<PasskeyRequest>empty()
                : Optional.of(new PasskeyRequest(Base64UrlUtil.encodeToString(
                        digests.passkeyChallenge(tenantId, challengeId)), policy.get().rpId(),
                        Math.max(30_000, timeout.toMillis()), policy.get().userVerification(),
                        mine.stream().map(Passkeys::descriptor).toList()))));
    }

    /**
     * Verifies an assertion for verification {@code challengeId} of {@code userId}: the credential must be one of
     * this user's (a credential of another user of the tenant is refused, whatever its signature), the signature over
     * this verification's challenge, from an allowed origin, for the tenant's relying party, with the user verified
     * where required; the sign count must move forward (else the credential is flagged and, by the tenant's policy,
     * the assertion refused), and the new count is stored by a conditional UPDATE, so that of two racing assertions
     * with one count only one passes. A malformed response is 400 (nothing judged).
     */
    public Uni<Assertion> verify(String tenantId, String userId, String challengeId, String responseJson) {
        AuthenticationData data;
        try {
            data = anyAuthenticator.parseAuthenticationResponseJSON(responseJson);
        } catch (DataConversionException | IllegalArgumentException | NullPointerException e) {
            return Uni.createFrom().failure(ProblemException.invalid("passkey", "must be the browser's assertion"
                    + " (PublicKeyCredential.toJSON() of navigator.credentials.get())"));
        }
        if (data.getCredentialId() == null) {
            return Uni.createFrom().failure(ProblemException.invalid("passkey", "must name its credential (id)"));
        }
        return settings.policyOf(tenantId).flatMap(policy -> {
            if (policy.isEmpty()) {
                return Uni.createFrom().item(refusedAssertion(tenantId, "not_configured",
                        "the tenant has no passkey relying party"));
            }
            return credentials.byCredentialId(tenantId, data.getCredentialId()).flatMap(found -> {
                if (found.isEmpty()) {
                    return Uni.createFrom().item(refusedAssertion(tenantId, "unknown_credential",
                            "no such credential"));
                }
                PasskeyCredentials.Stored credential = found.get();
                if (!credential.userId().equals(userId)) {
                    LOG.warnf("tenant %s: an assertion for a verification of one user presented another user's"
                            + " credential (factor %s); refused", tenantId, credential.factorId());
                    return Uni.createFrom().item(refusedAssertion(tenantId, "another_user",
                            "the credential belongs to another user"));
                }
                if (data.getUserHandle() != null && data.getUserHandle().length > 0
                        && !MessageDigest.isEqual(data.getUserHandle(), credential.userHandle())) {
                    return Uni.createFrom().item(refusedAssertion(tenantId, "user_handle",
                            "the assertion names another user handle"));
                }
                return judge(tenantId, challengeId, policy.get(), credential, data);
            });
        });
    }

    private Uni<Assertion> judge(String tenantId, String challengeId, PasskeyPolicy policy,
                                 PasskeyCredentials.Stored credential, AuthenticationData data) {
        long presented = data.getAuthenticatorData() == null ? 0 : data.getAuthenticatorData().getSignCount();
        boolean regressed = (presented > 0 || credential.signCount() > 0) && presented <= credential.signCount();
        // The comparison is made here, before the signature, only to decide what webauthn4j is asked to compare: a
        // counter that did not move counts only once the signature shows the assertion is the credential's.
        long counterForLibrary = regressed && !policy.refusesCounterRegression() ? 0 : credential.signCount();
        CredentialRecordImpl record = new CredentialRecordImpl(new NoneAttestationStatement(),
                credential.uvInitialized(), credential.backupEligible(), credential.backedUp(), counterForLibrary,
                attestedData.convert(credential.attestedData()), null, null, null,
                credential.transports().stream().map(AuthenticatorTransport::create).collect(Collectors.toSet()));
        try {
            anyAuthenticator.verify(data, new AuthenticationParameters(server(policy,
                    digests.passkeyChallenge(tenantId, challengeId)), record, List.of(credential.credentialId()),
                    policy.userVerificationRequired(), true));
        } catch (MaliciousCounterValueException e) {
            return suspectClone(tenantId, credential, "the sign count did not move forward: a cloned authenticator"
                    + " is suspected");
        } catch (VerificationException | DataConversionException e) {
            return Uni.createFrom().item(refusedAssertion(tenantId, e.getClass().getSimpleName(), why(e)));
        }
        Instant now = clock.instant();
        Uni<Void> flagged = regressed ? suspectClone(tenantId, credential, "flagged only, by the tenant's policy")
                .replaceWithVoid() : Uni.createFrom().voidItem();
        long next = Math.max(presented, credential.signCount());
        return flagged.chain(() -> credentials.recordUse(tenantId, credential.factorId(), credential.signCount(), next,
                        data.getAuthenticatorData().isFlagBS(), now))
                .map(won -> {
                    if (!won) {
                        return refusedAssertion(tenantId, "raced", "another assertion of this credential was"
                                + " accepted at the same moment");
                    }
                    metrics.otpVerified(tenantId, "passkey", "accepted");
                    return new Assertion(true, null);
                });
    }

    /** Flags a credential whose sign count did not move forward and tells the user; refused unless only flagged. */
    private Uni<Assertion> suspectClone(String tenantId, PasskeyCredentials.Stored credential, String why) {
        Instant now = clock.instant();
        boolean first = credential.cloneSuspectedAt() == null;
        return credentials.flagClone(tenantId, credential.factorId(), now)
                .chain(() -> first ? notices.publish(tenantId, now, new FactorChanged(credential.userId(),
                        credential.factorId().toString(), Factor.PASSKEY, FactorChange.CLONE_SUSPECTED,
                        credential.label())) : Uni.createFrom().voidItem())
                .replaceWith(refusedAssertion(tenantId, "counter", why));
    }

    private Assertion refusedAssertion(String tenantId, String reason, String why) {
        metrics.passkeyRefused(tenantId, "assertion", reason);
        metrics.otpVerified(tenantId, "passkey", "rejected");
        LOG.debugf("tenant %s: passkey assertion refused: %s", tenantId, why);
        return Assertion.refused(why);
    }

    private static ServerProperty server(PasskeyPolicy policy, byte[] challenge) {
        Set<Origin> origins = new HashSet<>();
        policy.origins().forEach(o -> origins.add(Origin.create(o)));
        return new ServerProperty(origins, policy.rpId(), new DefaultChallenge(challenge));
    }

    /**
     * Verifies attestation statements of every format and trusts only those that chain to one of the tenant's roots;
     * self attestation proves nothing about the authenticator's make and is refused. Revocation is not fetched (no
     * outbound network); a tenant removes a compromised root from its list.
     */
    private WebAuthnManager attested(PasskeyPolicy policy) {
        Set<TrustAnchor> anchors = anchors(policy.trustAnchors());
        TrustAnchorRepository repository = new TrustAnchorRepository() {
            @Override
            public Set<TrustAnchor> find(com.webauthn4j.data.attestation.authenticator.AAGUID aaguid) {
                return anchors;
            }

            @Override
            public Set<TrustAnchor> find(byte[] attestationCertificateKeyIdentifier) {
                return anchors;
            }
        };
        DefaultCertPathTrustworthinessVerifier certPath = new DefaultCertPathTrustworthinessVerifier(repository);
        certPath.setRevocationCheckEnabled(false);
        return new WebAuthnManager(statementVerifiers(), certPath, new DefaultSelfAttestationTrustworthinessVerifier(false),
                converter);
    }

    /** A verifier of every attestation format WebAuthn defines; a format without one is refused. */
    private static List<com.webauthn4j.verifier.attestation.statement.AttestationStatementVerifier> statementVerifiers() {
        return List.of(new NoneAttestationStatementVerifier(), new PackedAttestationStatementVerifier(),
                new FIDOU2FAttestationStatementVerifier(), new AndroidKeyAttestationStatementVerifier(),
                new AndroidSafetyNetAttestationStatementVerifier(), new TPMAttestationStatementVerifier(),
                new AppleAnonymousAttestationStatementVerifier());
    }

    /** Parses PEM certificates; the settings API refuses any that does not parse, so none is skipped silently. */
    public static Set<TrustAnchor> anchors(List<String> pems) {
        Set<TrustAnchor> anchors = new HashSet<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (String pem : pems) {
                anchors.add(new TrustAnchor((X509Certificate) factory.generateCertificate(
                        new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII))), null));
            }
        } catch (java.security.cert.CertificateException | ClassCastException e) {
            throw new IllegalArgumentException("not a PEM X.509 certificate", e);
        }
        return anchors;
    }

    private static PasskeyRequest.Credential descriptor(PasskeyCredentials.Stored c) {
        return new PasskeyRequest.Credential("public-key", Base64UrlUtil.encodeToString(c.credentialId()),
                c.transports());
    }

    private static ProblemException refused(String why) {
        return new ProblemException(Problem.of(422, "passkey-refused", "Passkey refused", why));
    }

    /** What each verification failure means, in the API's words; the first that fits is said. */
    private static final List<Map.Entry<Class<? extends Exception>, String>> REFUSALS = List.of(
            Map.entry(BadChallengeException.class, "the response answers another challenge"),
            Map.entry(BadOriginException.class, "the response comes from an origin the tenant does not allow"),
            Map.entry(BadRpIdException.class, "the credential is scoped to another relying party"),
            Map.entry(UserNotVerifiedException.class,
                    "the authenticator did not verify the user (PIN or biometric), which the tenant requires"),
            Map.entry(UserNotPresentException.class, "the authenticator did not test the user's presence"),
            Map.entry(NotAllowedCredentialIdException.class, "the credential is not one of the user's"),
            Map.entry(NotAllowedAlgorithmException.class,
                    "the credential's algorithm is not one the platform accepts"),
            Map.entry(SelfAttestationProhibitedException.class, "the authenticator attested itself only; the tenant"
                    + " requires an attestation from a trusted root"),
            Map.entry(TrustAnchorNotFoundException.class, "the attestation does not chain to a root the tenant trusts"),
            Map.entry(CertificateException.class, "the attestation does not chain to a root the tenant trusts"),
            Map.entry(BadSignatureException.class, "a signature does not verify"),
            Map.entry(BadAttestationStatementException.class, "the attestation statement does not verify"));

    /** What a verification failure means, in the API's words. */
    static String why(Exception e) {
        return REFUSALS.stream().filter(r -> r.getKey().isInstance(e)).map(Map.Entry::getValue).findFirst()
                .orElse("the response does not verify (" + e.getClass().getSimpleName().replace("Exception", "")
                        .toLowerCase(Locale.ROOT) + ")");
    }
}
