package io.keystep.delivery.api;

import io.keystep.delivery.config.DeliveryConfig;
import io.keystep.delivery.messaging.CodeDelivery;
import io.keystep.delivery.provider.ProviderDirectory;
import io.keystep.delivery.provider.Receipt;
import io.keystep.delivery.provider.ReceiptRejected;
import io.keystep.delivery.provider.ReceiptRequest;
import io.keystep.delivery.provider.RegisteredProvider;
import io.keystep.kit.web.Problem;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Delivery receipts: providers post their status callbacks here. The signature is checked with the provider's own
 * scheme before anything is read; a DELIVERED or FAILED receipt is published on {@code delivery.status.v1}, and a
 * failure moves the job on to the next channel of its plan.
 * <p>
 * Not bearer-token protected on purpose: providers cannot present a Keystep token. The provider's own signature
 * (Twilio HMAC-SHA1, Telnyx Ed25519, webhook HMAC-SHA256) is the authentication, checked before anything is read.
 */
@Path("/v1/providers/{provider}/status")
@PermitAll
public class ProviderReceiptResource {

    private static final Logger LOG = Logger.getLogger(ProviderReceiptResource.class);

    private final ProviderDirectory providers;
    private final CodeDelivery delivery;
    private final DeliveryConfig config;
    private final Clock clock;

    public ProviderReceiptResource(ProviderDirectory providers, CodeDelivery delivery, DeliveryConfig config,
                                   Clock clock) {
        this.providers = providers;
        this.delivery = delivery;
        this.config = config;
        this.clock = clock;
    }

    /** Accepts one status callback; answers 200 once it is handled, 401 for a bad signature. */
    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces({MediaType.APPLICATION_JSON, Problem.MEDIA_TYPE})
    public Uni<Response> receive(@PathParam("provider") String providerName, String body,
                                 @Context HttpHeaders headers, @Context UriInfo uri) {
        Optional<RegisteredProvider> provider = providers.byName(providerName);
        if (provider.isEmpty()) {
            return Uni.createFrom().item(Problem.of(404, "not-found", "Unknown provider",
                    "no provider is named " + providerName).response());
        }
        Map<String, String> lowerCase = new HashMap<>();
        headers.getRequestHeaders().forEach((name, values) -> {
            if (!values.isEmpty()) {
                lowerCase.put(name.toLowerCase(Locale.ROOT), values.get(0));
            }
        });
        String url = config.receipts().publicBaseUrl()
                .map(base -> stripSlash(base) + uri.getRequestUri().getRawPath()
                        + (uri.getRequestUri().getRawQuery() == null ? "" : "?" + uri.getRequestUri().getRawQuery()))
                .orElse(uri.getRequestUri().toString());
        Receipt receipt;
        try {
            receipt = provider.get().adapter().readReceipt(new ReceiptRequest(url, lowerCase, body == null ? "" : body,
                    clock.instant(), config.receipts().maxSkew()));
        } catch (ReceiptRejected rejected) {
            LOG.warnf("receipt for provider %s rejected: %s", providerName, rejected.getMessage());
            return Uni.createFrom().item(Problem.of(rejected.status(), "receipt-rejected",
                    rejected.status() == 401 ? "Signature does not verify" : "Receipt not accepted",
                    rejected.getMessage()).response());
        }
        return delivery.onReceipt(providerName, receipt)
                .replaceWith(() -> Response.ok(Map.of("received", true)).build());
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
