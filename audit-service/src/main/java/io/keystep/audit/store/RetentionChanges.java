package io.keystep.audit.store;

import io.keystep.audit.domain.AuditSettings;
import io.keystep.audit.domain.RetentionChange;
import io.keystep.events.TenantSettingsChanged;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Changes of a tenant's retention, recorded in {@code audit_retention_change} through the database's functions
 * (migration V5; the service's role cannot set a retention without its record). A shortening waits there; once its
 * time has come (on the service's clock) it is applied and announced, in one transaction that commits only once Kafka
 * acknowledged the announcement, so that the trail holds both the request and the moment it took effect.
 */
@ApplicationScoped
public class RetentionChanges {

    private static final Logger LOG = Logger.getLogger(RetentionChanges.class);
    /** The SQLSTATE of the database refusing to apply a change that is not pending or not yet due. */
    static final String NOT_DUE = "KA003";
    private static final String COLUMNS = "id, tenant_id, months_before, months_after, requested_by, "
            + micros("requested_at") + ", " + micros("effective_at") + ", " + micros("applied_at");

    private final SettingsAnnouncements announcements;
    private final DatabaseContext database;
    private final Clock clock;

    public RetentionChanges(SettingsAnnouncements announcements, DatabaseContext database, Clock clock) {
        this.announcements = announcements;
        this.database = database;
        this.clock = clock;
    }

    /**
     * Records, within the caller's transaction, that the tenant's own retention becomes {@code months} (null: the
     * platform default) at {@code effectiveAt}, applied at once when that is {@code requestedAt}; a change still
     * pending is cancelled.
     */
    public Uni<RetentionChange> request(String tenant, Integer months, String subject, Instant requestedAt,
                                        Instant effectiveAt) {
        // 0 stands for "the default": a null parameter of a native query has no type to bind
        return Panache.getSession().chain(session -> session.<Object[]>createNativeQuery("SELECT " + COLUMNS
                                + " FROM audit_record_retention(?1, NULLIF(?2, 0), ?3, ?4, ?5)")
                        .setParameter(1, tenant).setParameter(2, months == null ? 0 : months)
                        .setParameter(3, subject).setParameter(4, requestedAt).setParameter(5, effectiveAt)
                        .getSingleResult())
                .map(RetentionChanges::change);
    }

    /** The tenant's change still waiting for its time, or null; within the caller's session. */
    public Uni<RetentionChange> pending(String tenant) {
        return Panache.getSession().chain(session -> session.<Object[]>createNativeQuery("SELECT " + COLUMNS
                                + " FROM audit_retention_change WHERE tenant_id = ?1 AND applied_at IS NULL"
                                + " AND cancelled_at IS NULL ORDER BY id DESC LIMIT 1")
                        .setParameter(1, tenant).getResultList())
                .map(rows -> rows.isEmpty() ? null : change(rows.get(0)));
    }

    @Scheduled(every = "${keystep.audit.retention.apply-every}", delayed = "PT10S",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        return applyDue(clock.instant())
                .onFailure().invoke(e -> LOG.warn("applying due retention changes failed; retried later", e))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /**
     * Applies every shortening whose time has come by {@code now} and announces each (by whoever asked for it), one
     * transaction per change that commits only once Kafka acknowledged its announcement. Returns the changes applied.
     */
    public Uni<List<RetentionChange>> applyDue(Instant now) {
        return DatabaseContext.on(database.current(), () -> Panache.withSession(() -> Panache.getSession()
                .chain(session -> session.<Object>createNativeQuery("SELECT id FROM audit_retention_change"
                                + " WHERE applied_at IS NULL AND cancelled_at IS NULL AND effective_at <= ?1 ORDER BY id")
                        .setParameter(1, now).getResultList()))
                .chain(ids -> Multi.createFrom().iterable(ids)
                        .onItem().transformToUniAndConcatenate(id -> applyOne(((Number) id).longValue(), now))
                        .filter(java.util.Objects::nonNull)
                        .collect().asList()));
    }

    private Uni<RetentionChange> applyOne(long id, Instant now) {
        return Panache.withTransaction(() -> Panache.getSession().chain(session -> session.<Object[]>createNativeQuery(
                                "SELECT " + COLUMNS + " FROM audit_apply_retention_change(?1, ?2)")
                        .setParameter(1, id).setParameter(2, now).getSingleResult())
                .map(RetentionChanges::change)
                .call(c -> announcements.announce(c.tenantId(), c.requestedBy(), tookEffect(c))))
                // another instance applied it first, or a later request cancelled it meanwhile
                .onFailure(RetentionChanges::notDue).recoverWithNull();
    }

    private static boolean notDue(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof io.vertx.pgclient.PgException pg && NOT_DUE.equals(pg.getSqlState())) {
                return true;
            }
        }
        return false;
    }

    /** What a change asked for adds to its announcement: applied at once, or waiting for its time. */
    public static List<TenantSettingsChanged.Change> asked(RetentionChange change, RetentionChange cancelled) {
        List<TenantSettingsChanged.Change> changes = new ArrayList<>();
        if (change.applied()) {
            if (!java.util.Objects.equals(change.monthsBefore(), change.monthsAfter())) {
                changes.add(new TenantSettingsChanged.Change(AuditSettings.RETENTION_MONTHS,
                        text(change.monthsBefore()), text(change.monthsAfter())));
            }
            if (cancelled != null) {
                changes.add(new TenantSettingsChanged.Change(RetentionChange.PENDING_FIELD, cancelled.pendingText(), null));
                changes.add(new TenantSettingsChanged.Change(RetentionChange.EFFECTIVE_AT_FIELD,
                        cancelled.effectiveAt().toString(), null));
            }
            return changes;
        }
        changes.add(new TenantSettingsChanged.Change(RetentionChange.PENDING_FIELD,
                cancelled == null ? null : cancelled.pendingText(), change.pendingText()));
        changes.add(new TenantSettingsChanged.Change(RetentionChange.EFFECTIVE_AT_FIELD,
                cancelled == null ? null : cancelled.effectiveAt().toString(), change.effectiveAt().toString()));
        return changes;
    }

    private static List<TenantSettingsChanged.Change> tookEffect(RetentionChange change) {
        return List.of(new TenantSettingsChanged.Change(AuditSettings.RETENTION_MONTHS, text(change.monthsBefore()),
                        text(change.monthsAfter())),
                new TenantSettingsChanged.Change(RetentionChange.PENDING_FIELD, change.pendingText(), null),
                new TenantSettingsChanged.Change(RetentionChange.EFFECTIVE_AT_FIELD, change.effectiveAt().toString(),
                        null));
    }

    private static String text(Integer months) {
        return months == null ? null : months.toString();
    }

    private static String micros(String column) {
        return "CAST(extract(epoch FROM " + column + ") * 1000000 AS bigint)";
    }

    private static RetentionChange change(Object[] row) {
        return new RetentionChange(((Number) row[0]).longValue(), (String) row[1], months(row[2]), months(row[3]),
                (String) row[4], instant(row[5]), instant(row[6]), instant(row[7]));
    }

    private static Integer months(Object value) {
        return value == null ? null : ((Number) value).intValue();
    }

    private static Instant instant(Object micros) {
        if (micros == null) {
            return null;
        }
        long value = ((Number) micros).longValue();
        return Instant.ofEpochSecond(Math.floorDiv(value, 1_000_000L), Math.floorMod(value, 1_000_000L) * 1000L);
    }
}
