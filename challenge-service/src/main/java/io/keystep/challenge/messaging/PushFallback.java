package io.keystep.challenge.messaging;

import io.smallrye.mutiny.Uni;

/**
 * Moves a login off a push that could not be delivered, to the user's next factor. Implemented where logins are
 * switched (the gateway's switch API), so that the push's delivery report and the person's own switch take the same
 * path.
 */
public interface PushFallback {

    /** Moves login {@code loginId}, still on push {@code challengeId}, to the user's next factor, if it has one. */
    Uni<Void> fallBackFromPush(String tenantId, String loginId, String challengeId);
}
