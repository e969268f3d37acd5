package io.keystep.console.screens;

import io.keystep.console.web.Api;
import io.quarkus.qute.TemplateData;

import java.util.Map;

/**
 * What a page says about the call behind it: nothing, a success, or the service's refusal with the problem's
 * detail and its field errors, each shown beside its field.
 */
@TemplateData
public record Outcome(String kind, String message, Map<String, String> fields) {

    public static final Outcome NONE = new Outcome("none", null, Map.of());

    public static Outcome ok(String message) {
        return new Outcome("ok", message, Map.of());
    }

    public static Outcome of(Api.Reply reply) {
        if (reply.ok()) {
            return NONE;
        }
        String prefix = switch (reply.status()) {
            case 401 -> "Your session has ended; sign in again. ";
            case 403 -> "Not allowed for your role or tenant. ";
            case 404 -> "Not found. ";
            default -> reply.status() >= 500 ? "The service could not answer (" + reply.status() + "). " : "";
        };
        return new Outcome("error", prefix + reply.problem(), reply.fieldErrors());
    }

    public boolean shown() {
        return !"none".equals(kind);
    }

    public boolean error() {
        return "error".equals(kind);
    }

    /** The message for a field, or null. */
    public String field(String name) {
        return fields.get(name);
    }
}
