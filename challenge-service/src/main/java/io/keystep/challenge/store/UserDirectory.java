package io.keystep.challenge.store;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.List;

/**
 * Finds a tenant's users for support. A user exists here when they hold an enrolment: an authenticator, passkey or
 * paired device (pending or active), an enrolled phone, or a set of recovery codes. There is no table of users:
 * the platform knows a user only by what they enrolled.
 */
@ApplicationScoped
public class UserDirectory {

    /** The most users one search answers. */
    public static final int LIMIT = 20;

    /**
     * A user found: how many factors they hold (each authenticator, passkey and device, the phone, and the recovery
     * code set, as the support view lists them) and their phone in E.164, or null.
     */
    public record Found(String userId, int factors, String phoneNumber) {
    }

    // Each branch reads its table's (tenant_id, user_id) index, the phone branch the (tenant_id, phone_number) one.
    // Sorted in code-point order whatever the database's collation: user ids are ASCII.
    private static final String SEARCH = """
            WITH found AS (
                (SELECT user_id FROM (
                    SELECT user_id FROM auth_factor WHERE tenant_id = $1 AND user_id LIKE $2 ESCAPE '\\'
                    UNION SELECT user_id FROM phone_enrollment WHERE tenant_id = $1 AND user_id LIKE $2 ESCAPE '\\'
                    UNION SELECT user_id FROM recovery_code WHERE tenant_id = $1 AND user_id LIKE $2 ESCAPE '\\') ids
                 ORDER BY user_id COLLATE "C" LIMIT %1$d)
                UNION
                (SELECT user_id FROM phone_enrollment WHERE tenant_id = $1 AND phone_number = $3
                 ORDER BY user_id COLLATE "C" LIMIT %1$d))
            SELECT f.user_id, p.phone_number,
                   (SELECT count(*) FROM auth_factor a WHERE a.tenant_id = $1 AND a.user_id = f.user_id)
                   + (CASE WHEN p.user_id IS NULL THEN 0 ELSE 1 END)
                   + (CASE WHEN EXISTS (SELECT 1 FROM recovery_code r WHERE r.tenant_id = $1
                                        AND r.user_id = f.user_id) THEN 1 ELSE 0 END) AS factors
            FROM found f LEFT JOIN phone_enrollment p ON p.tenant_id = $1 AND p.user_id = f.user_id
            ORDER BY f.user_id COLLATE "C" LIMIT %1$d
            """.formatted(LIMIT);

    private final Pool pool;

    public UserDirectory(Pool pool) {
        this.pool = pool;
    }

    /**
     * The tenant's users whose id starts with {@code prefix} (taken literally: LIKE's wildcards in it match only
     * themselves) and, when {@code phoneNumber} (E.164) is given, the users enrolled with that number; at most
     * {@link #LIMIT}, sorted by user id.
     */
    public Uni<List<Found>> search(String tenantId, String prefix, String phoneNumber) {
        return pool.preparedQuery(SEARCH).execute(Tuple.of(tenantId, likePrefix(prefix), phoneNumber))
                .map(rows -> {
                    List<Found> out = new ArrayList<>();
                    for (Row r : rows) {
                        out.add(new Found(r.getString("user_id"), r.getInteger("factors"),
                                r.getString("phone_number")));
                    }
                    return out;
                });
    }

    /** A LIKE pattern matching exactly the strings that start with {@code prefix}. */
    static String likePrefix(String prefix) {
        return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
    }
}
