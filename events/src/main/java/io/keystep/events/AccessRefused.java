package io.keystep.events;

/**
 * A caller was refused: an authenticated one named another tenant, or its role does not allow the operation; or a
 * record from outside the platform did not prove the tenant it names (then {@code method} is {@code KAFKA} and
 * {@code path} the topic). Topic {@link Topics#ACCESS_REFUSED}; the envelope's tenant is the caller's own (from its
 * token), {@code unknown} when the record proved none; the record key {@code tenantId:subject}. Never carries the
 * token.
 *
 * @param subject         the token's subject ({@code sub}), the caller's identity
 * @param service         the service that refused, for example {@code audit-service}
 * @param method          the HTTP method, or {@code KAFKA} for a refused record
 * @param path            the request path, or the topic of a refused record
 * @param reason          why it was refused
 * @param requestedTenant the tenant the request named, when it named one other than the caller's
 */
public record AccessRefused(String subject, String service, String method, String path, Reason reason,
                            String requestedTenant) {

    public static final String TYPE = "security.access-refused";

    /** Why a caller was refused. */
    public enum Reason {
        /** The request named a tenant other than the one in the caller's token. */
        CROSS_TENANT,
        /** The caller's roles do not include one the operation requires. */
        ROLE_NOT_ALLOWED,
        /** A record carried no token, or one that does not verify or names no tenant (and no origin proof). */
        UNAUTHENTICATED
    }

    public AccessRefused {
        Required.text(subject, "subject");
        Required.text(service, "service");
        Required.text(method, "method");
        Required.text(path, "path");
        Required.value(reason, "reason");
    }
}
