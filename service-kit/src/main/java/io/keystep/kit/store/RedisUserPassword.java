package io.keystep.kit.store;

import io.quarkus.redis.client.RedisOptionsCustomizer;
import io.vertx.redis.client.RedisOptions;
import jakarta.inject.Singleton;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Gives the Redis user named in {@code quarkus.redis.hosts} ({@code redis://challenge-service@host:6379}) the
 * password of {@code quarkus.redis.password}. The Vert.x client takes a user only from the URL, and reads a user
 * without a password there as no user at all; a cluster client also copies each URL's credentials to the nodes it
 * discovers. So the password is put into the URLs here, in memory, and the configuration never holds it in a URL.
 */
@Singleton
public class RedisUserPassword implements RedisOptionsCustomizer {

    @Override
    public void customize(String clientName, RedisOptions options) {
        String password = options.getPassword();
        if (password != null && !password.isEmpty()) {
            options.setEndpoints(new ArrayList<>(withPassword(options.getEndpoints(), password)));
        }
    }

    /** Each endpoint that names a user and no password, with {@code password}; the others as they are. */
    static List<String> withPassword(List<String> endpoints, String password) {
        return endpoints.stream().map(endpoint -> {
            String user = URI.create(endpoint).getRawUserInfo();
            if (user == null || user.isEmpty() || user.contains(":")) {
                return endpoint;
            }
            int at = endpoint.indexOf("://" + user + "@") + 3 + user.length();
            return endpoint.substring(0, at) + ":" + URLEncoder.encode(password, StandardCharsets.UTF_8)
                    + endpoint.substring(at);
        }).toList();
    }
}
