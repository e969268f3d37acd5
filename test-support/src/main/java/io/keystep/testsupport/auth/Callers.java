package io.keystep.testsupport.auth;

import io.restassured.specification.RequestSpecification;

import static io.restassured.RestAssured.given;

/** Requests as each kind of caller makes them: a bearer token naming the tenant and the caller's role. */
public final class Callers {

    private Callers() {
    }

    public static RequestSpecification gateway(String tenant) {
        return as(tenant, Tokens.GATEWAY);
    }

    public static RequestSpecification worker(String tenant) {
        return as(tenant, Tokens.WORKER);
    }

    public static RequestSpecification compliance(String tenant) {
        return as(tenant, Tokens.COMPLIANCE);
    }

    public static RequestSpecification admin(String tenant) {
        return as(tenant, Tokens.ADMIN);
    }

    public static RequestSpecification as(String tenant, String... roles) {
        return given().auth().oauth2(Tokens.of(tenant, roles));
    }
}
