package io.keystep.challenge.api;

import io.keystep.challenge.domain.LoginDecisionRecord;
import io.keystep.challenge.store.LoginDecisions;
import io.keystep.kit.web.Caller;
import io.keystep.kit.web.Problem;
import io.keystep.kit.web.ProblemException;
import io.keystep.kit.web.Roles;
import io.keystep.kit.web.constraints.IpAddress;
import io.keystep.kit.web.constraints.OpaqueId;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;

import java.util.List;
import java.util.Locale;

/**
 * The decision for a login, for gateways that poll instead of consuming {@code auth.decision.v1}, and the switch of
 * a challenged login to another of the user's factors.
 */
@jakarta.annotation.security.RolesAllowed(Roles.GATEWAY)
@Path("/v1/logins/{loginId}")
@Produces(MediaType.APPLICATION_JSON)
public class LoginResource {

    /**
     * A login's decision: ALLOW, CHALLENGE (with the challenge to answer, the factor it asks for, the user's other
     * factors it can be switched to, and where a sent code went, masked) or DENY. Once the challenge is
     * approved on the phone, {@code enrollmentNudge} may name the stronger factors to invite the user to add. A
     * challenge on a passkey carries {@code passkeyOptions}, the options for {@code navigator.credentials.get()}; one
     * on push carries {@code number}, which the login screen shows and the person types into the paired app.
     */
    public record LoginDecisionView(String loginId, String decision, String challengeId, List<String> reasons,
                                    String factor, List<String> alternatives, String hint,
                                    List<String> enrollmentNudge,
                                    @com.fasterxml.jackson.annotation.JsonInclude(
                                            com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
                                    io.keystep.events.PasskeyRequest passkeyOptions,
                                    @com.fasterxml.jackson.annotation.JsonInclude(
                                            com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
                                    Integer number) {

        static LoginDecisionView of(LoginDecisionRecord d) {
            return new LoginDecisionView(d.loginId(), d.decision(), d.challengeId(), d.reasons(), wire(d.factor()),
                    d.alternatives().stream().map(LoginDecisionView::wire).toList(), d.hint(), d.enrollmentNudge(),
                    d.passkey(), d.number());
        }

        private static String wire(String factor) {
            return factor == null ? null : factor.toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The body of a switch: the factor to switch to, as {@code alternatives} names it, and the person's address when
     * the caller is a gateway behind which the person connects (as for sends).
     */
    public record SwitchRequest(@NotBlank(message = "is required: one of the login's alternatives") String factor,
                                @IpAddress String clientIp) {
    }

    private final LoginDecisions decisions;
    private final LoginSwitches switches;
    private final ClientIps clientIps;
    private final Caller caller;

    public LoginResource(LoginDecisions decisions, LoginSwitches switches, ClientIps clientIps, Caller caller) {
        this.caller = caller;
        this.decisions = decisions;
        this.switches = switches;
        this.clientIps = clientIps;
    }

    @GET
    public Uni<LoginDecisionView> decision(@PathParam("loginId") @OpaqueId String loginId) {
        String tenantId = caller.tenant();
        return decisions.find(tenantId, loginId)
                .onFailure().transform(e -> new ProblemException(Problem.of(503, "unavailable",
                        "Service unavailable", "login decisions cannot be read right now")))
                .map(found -> found.map(LoginDecisionView::of)
                        .orElseThrow(() -> ProblemException.notFound("login " + loginId + " not found")));
    }

    /**
     * Moves the login's challenge to another of the user's factors ("I don't have my phone"): the new challenge
     * keeps the spent attempts and the user's lockout, the old one is canceled, a switch to the phone sends a code
     * under the send limits, and a login allows {@value LoginSwitches#MAX_SWITCHES} switches.
     */
    @POST
    @Path("/switch")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<LoginDecisionView> switchFactor(@PathParam("loginId") @OpaqueId String loginId,
                                               @Context HttpServerRequest http, @Valid SwitchRequest body) {
        String tenantId = caller.tenant();
        if (body == null) {
            throw ProblemException.invalid("factor", "is required: one of the login's alternatives");
        }
        String ip = clientIps.of(http, body.clientIp());
        return switches.switchTo(tenantId, loginId, LoginSwitches.factorNamed(body.factor()), ip)
                .map(LoginDecisionView::of);
    }
}
