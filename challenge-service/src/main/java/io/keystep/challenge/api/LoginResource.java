package io.keystep.challenge.api;

import io.keystep.challenge.store.LoginDecisions;
import io.keystep.kit.web.Caller;
import io.keystep.kit.web.Problem;
import io.keystep.kit.web.ProblemException;
import io.keystep.kit.web.Roles;
import io.keystep.kit.web.constraints.OpaqueId;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.List;

/** The decision for a login, for gateways that poll instead of consuming {@code auth.decision.v1}. */
@jakarta.annotation.security.RolesAllowed(Roles.GATEWAY)
@Path("/v1/logins/{loginId}")
@Produces(MediaType.APPLICATION_JSON)
public class LoginResource {

    /** A login's decision: ALLOW, CHALLENGE (with the challenge to answer) or DENY. */
    public record LoginDecisionView(String loginId, String decision, String challengeId, List<String> reasons) {
    }

    private final LoginDecisions decisions;
    private final Caller caller;

    public LoginResource(LoginDecisions decisions, Caller caller) {
        this.caller = caller;
        this.decisions = decisions;
    }

    @GET
    public Uni<LoginDecisionView> decision(@PathParam("loginId") @OpaqueId String loginId) {
        String tenantId = caller.tenant();
        return decisions.find(tenantId, loginId)
                .onFailure().transform(e -> new ProblemException(Problem.of(503, "unavailable",
                        "Service unavailable", "login decisions cannot be read right now")))
                .map(found -> found
                        .map(d -> new LoginDecisionView(d.loginId(), d.decision(), d.challengeId(), d.reasons()))
                        .orElseThrow(() -> ProblemException.notFound("login " + loginId + " not found")));
    }
}
