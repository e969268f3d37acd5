package io.keystep.console;

import java.io.IOException;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.HttpCookie;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A browser as far as sign-in needs one: it keeps cookies per host, follows redirects with a GET (the sign-in's are
 * 302 and 303, which browsers follow so) and remembers every address it went through.
 */
final class Browser {

    /** Where a request ended: the last response, and every address visited on the way, the first one included. */
    record Page(int status, URI uri, String body, List<URI> hops) {

        String path() {
            return uri.getPath();
        }
    }

    private final CookieManager cookies = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
    private final HttpClient http = HttpClient.newBuilder().cookieHandler(cookies)
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10)).build();

    Page get(String url) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(url)).GET());
    }

    /** A form posted from a page of {@code origin}, as a browser sends it. */
    Page post(String url, Map<String, String> form, String origin) throws IOException, InterruptedException {
        String body = form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/x-www-form-urlencoded")
                .header("Origin", origin).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** The cookies this browser holds for {@code url}'s host. */
    List<HttpCookie> cookiesFor(String url) {
        return cookies.getCookieStore().get(URI.create(url));
    }

    private Page send(HttpRequest.Builder first) throws IOException, InterruptedException {
        List<URI> hops = new ArrayList<>();
        HttpRequest request = first.timeout(Duration.ofSeconds(20)).build();
        for (int i = 0; i < 15; i++) {
            hops.add(request.uri());
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            int status = response.statusCode();
            String location = response.headers().firstValue("Location").orElse(null);
            if (status < 300 || status > 308 || location == null) {
                return new Page(status, request.uri(), response.body(), List.copyOf(hops));
            }
            URI next = request.uri().resolve(location);
            request = HttpRequest.newBuilder(next).GET().timeout(Duration.ofSeconds(20)).build();
        }
        throw new IllegalStateException("too many redirects: " + hops);
    }
}
