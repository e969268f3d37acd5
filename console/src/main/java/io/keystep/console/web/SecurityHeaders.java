package io.keystep.console.web;

import io.quarkus.vertx.http.runtime.filters.Filters;
import jakarta.enterprise.event.Observes;

/**
 * Every response of the console: scripts and styles from the console's own origin only (no inline script), never
 * framed, no referrer to other sites (same-origin: with none at all, browsers send a form's Origin as null), no MIME sniffing, and pages never cached (they show a tenant's data).
 */
public class SecurityHeaders {

    static final String POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

    void headers(@Observes Filters filters) {
        filters.register(rc -> {
            rc.response().headers()
                    .set("Content-Security-Policy", POLICY)
                    .set("X-Frame-Options", "DENY")
                    .set("X-Content-Type-Options", "nosniff")
                    .set("Referrer-Policy", "same-origin");
            String path = rc.normalizedPath();
            if (!path.startsWith("/webjars/") && !path.startsWith("/static/")) {
                rc.response().headers().set("Cache-Control", "no-store");
            }
            rc.next();
        }, 10);
    }
}
