package io.keystep.challenge.api;


import io.keystep.kit.web.Caller;
import io.keystep.kit.web.ProblemException;

import java.util.regex.Pattern;

/**
 * Checks of the inputs every resource shares: path identifiers. The tenant is not an input: it comes from the
 * caller's token ({@link Caller}); the old tenant header, when still sent, must name the same tenant
 * (checked by the service kit for every endpoint).
 */
final class RequestChecks {

    private static final Pattern USER_ID = Pattern.compile("[\\p{Alnum}._@+-]{1,128}");
    private static final Pattern OPAQUE_ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    private RequestChecks() {
    }

    static String userId(String userId) {
        if (userId == null || !USER_ID.matcher(userId).matches()) {
            throw ProblemException.invalid("userId", "must be 1-128 letters, digits or ._@+-");
        }
        return userId;
    }

    static String opaqueId(String field, String id) {
        if (id == null || !OPAQUE_ID.matcher(id).matches()) {
            throw ProblemException.invalid(field, "must be 1-128 letters, digits, '.', '_' or '-'");
        }
        return id;
    }
}
