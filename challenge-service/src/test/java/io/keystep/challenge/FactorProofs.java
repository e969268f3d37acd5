package io.keystep.challenge;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.testsupport.auth.Callers;
import io.quarkus.arc.Arc;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.hamcrest.Matchers.equalTo;

/**
 * What a gateway presents to change a user's factors, as it would: the first-factor header for a user without
 * factors, else a step-up answered with a factor the user has (the phone enrolled here, else the authenticator app
 * activated here). Remembers each user's phone and authenticator the way a person keeps them.
 */
final class FactorProofs {

    private static final Map<String, String> PHONES = new ConcurrentHashMap<>();
    private static final Map<String, Map<String, String>> AUTHENTICATORS = new ConcurrentHashMap<>();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private FactorProofs() {
    }

    private static String key(String tenant, String user) {
        return tenant + ":" + user;
    }

    /** The service's clock (tests move it). */
    static Clock clock() {
        return Arc.container().instance(Clock.class).get();
    }

    /** The gateway's word that the user passed the first factor just now. */
    static String firstFactorAt() {
        return clock().instant().toString();
    }

    /** Remembers an authenticator app of the user (its otpauth URI), to step up with once it is active. */
    static void rememberAuthenticator(String tenant, String user, String factorId, String otpauthUri) {
        AUTHENTICATORS.computeIfAbsent(key(tenant, user), k -> new ConcurrentHashMap<>()).put(factorId, otpauthUri);
    }

    /** The user's active factors as the API lists them: type and id. */
    private static List<Map<String, Object>> active(String tenant, String user) {
        List<Map<String, Object>> all = Callers.gateway(tenant).get("/v1/users/{u}/factors", user).then()
                .statusCode(200).extract().path("$");
        return all.stream().filter(f -> "active".equals(f.get("status"))).toList();
    }

    static boolean hasFactor(String tenant, String user) {
        return !active(tenant, user).isEmpty();
    }

    /** A gateway request authorised to add a factor: a step-up when the user has one, else the first-factor header. */
    static RequestSpecification toAdd(String tenant, String user) throws Exception {
        RequestSpecification spec = Callers.gateway(tenant);
        return hasFactor(tenant, user) ? spec.header("Step-Up-Verification-Id", stepUp(tenant, user))
                : spec.header("First-Factor-Authenticated-At", firstFactorAt());
    }

    /**
     * Enrolls the phone as a gateway does: the request (authorised as above) sends a code to the new number, which
     * confirms it. The number already enrolled answers 200 at once.
     */
    static void enrollPhone(String tenant, String user, String phone) throws Exception {
        if (phone.equals(PHONES.get(key(tenant, user)))) {
            Callers.gateway(tenant).contentType(ContentType.JSON).body("{\"phoneNumber\":\"" + phone + "\"}")
                    .put("/v1/users/{u}/phone", user).then().statusCode(200).body("status", equalTo("active"));
            return;
        }
        String id = toAdd(tenant, user).contentType(ContentType.JSON).body("{\"phoneNumber\":\"" + phone + "\"}")
                .put("/v1/users/{u}/phone", user).then().statusCode(202).body("status", equalTo("pending"))
                .extract().path("verificationId");
        confirmPhone(tenant, user, VerifyApi.code(MAPPER, tenant, id, 1)).then().statusCode(200)
                .body("status", equalTo("active"));
        PHONES.put(key(tenant, user), phone);
        pastCooldown();
    }

    /**
     * Moves the clock past a number's send cooldown, and far enough that five sends never share its ten-minute
     * window, so that the test's next code to it is not refused.
     */
    static void pastCooldown() {
        if (clock() instanceof AdjustableClock adjustable) {
            adjustable.advance(Duration.ofSeconds(121));
        }
    }

    static io.restassured.response.Response confirmPhone(String tenant, String user, String code) {
        return Callers.gateway(tenant).contentType(ContentType.JSON).body("{\"code\":\"" + code + "\"}")
                .post("/v1/users/{u}/phone/confirm", user);
    }

    /**
     * An approved {@code factor_change} verification answered with a factor the user has: a code sent to the phone
     * enrolled here, else a code of the authenticator app activated here (the clock moves on a time step first, as a
     * step is accepted once).
     */
    static String stepUp(String tenant, String user) throws Exception {
        String phone = PHONES.get(key(tenant, user));
        if (phone != null && active(tenant, user).stream().anyMatch(f -> "sms".equals(f.get("type")))) {
            return stepUpTo(tenant, user, phone);
        }
        Map<String, String> known = AUTHENTICATORS.getOrDefault(key(tenant, user), Map.of());
        String otpauthUri = active(tenant, user).stream()
                .filter(f -> "totp".equals(f.get("type")) && known.containsKey((String) f.get("factorId")))
                .map(f -> known.get((String) f.get("factorId"))).findFirst()
                .orElseThrow(() -> new IllegalStateException("user " + user + " has no factor to step up with"));
        if (clock() instanceof AdjustableClock adjustable) {
            adjustable.advance(Duration.ofSeconds(31));
        }
        String id = VerifyApi.create(tenant, "{\"channel\":\"totp\",\"userId\":\"" + user
                + "\",\"purpose\":\"factor_change\"}").statusCode(201).extract().path("id");
        VerifyApi.check(tenant, id, Authenticators.oathtoolTotp(otpauthUri, clock().instant()), true)
                .statusCode(200).body("status", equalTo("approved"));
        return id;
    }

    /** An approved {@code factor_change} verification whose code went to {@code destination}, sent a while later. */
    static String stepUpTo(String tenant, String user, String destination) throws Exception {
        pastCooldown();
        String id = VerifyApi.create(tenant, "{\"to\":\"" + destination + "\",\"channel\":\"sms\",\"userId\":\""
                + user + "\",\"purpose\":\"factor_change\"}").statusCode(201).extract().path("id");
        VerifyApi.check(tenant, id, VerifyApi.code(MAPPER, tenant, id, 1), true)
                .statusCode(200).body("status", equalTo("approved"));
        return id;
    }
}
