package io.keystep.challenge;

import io.keystep.testsupport.auth.Callers;
import io.restassured.http.ContentType;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;

/** Enrolls authenticator factors over the API and makes codes with the independent tools (oathtool, zbarimg). */
final class Authenticators {

    private Authenticators() {
    }

    static ExtractableResponse<Response> enroll(String tenant, String user, String kind, String body) throws Exception {
        ExtractableResponse<Response> enrolled = FactorProofs.toAdd(tenant, user).contentType(ContentType.JSON)
                .body(body).post("/v1/users/{u}/factors/" + kind, user).then().statusCode(201).extract();
        FactorProofs.rememberAuthenticator(tenant, user, enrolled.path("factorId"), enrolled.path("otpauthUri"));
        return enrolled;
    }

    /** A step-up answered with a factor the user has ({@link FactorProofs#stepUp}). */
    static String stepUp(String tenant, String user) throws Exception {
        return FactorProofs.stepUp(tenant, user);
    }

    static Map<String, String> query(String otpauthUri) {
        Map<String, String> out = new HashMap<>();
        for (String pair : URI.create(otpauthUri).getRawQuery().split("&")) {
            String[] kv = pair.split("=", 2);
            out.put(kv[0], kv[1]);
        }
        return out;
    }

    /** The TOTP code oathtool computes for the enrolled URI's secret at this instant. */
    static String oathtoolTotp(String otpauthUri, Instant at) throws Exception {
        Map<String, String> q = query(otpauthUri);
        return run("oathtool", "--totp=" + q.get("algorithm").toLowerCase(), "-b", "-d", q.get("digits"),
                "-s", q.get("period") + "s", "-N", "@" + at.getEpochSecond(), q.get("secret"));
    }

    /** The HOTP code oathtool computes for the secret at this counter. */
    static String oathtoolHotp(String otpauthUri, long counter) throws Exception {
        Map<String, String> q = query(otpauthUri);
        return run("oathtool", "--hotp", "-b", "-d", q.get("digits"), "-c", Long.toString(counter), q.get("secret"));
    }

    /** What zbarimg reads from a PNG. */
    static String zbarimg(byte[] png) throws Exception {
        Path file = Files.createTempFile("qr", ".png");
        try {
            Files.write(file, png);
            return run("zbarimg", "--raw", "-q", file.toString());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    static byte[] base64(String s) {
        return Base64.getDecoder().decode(s);
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(command[0] + " timed out");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.exitValue() != 0) {
            throw new IllegalStateException(command[0] + " failed: " + out);
        }
        return out;
    }
}
