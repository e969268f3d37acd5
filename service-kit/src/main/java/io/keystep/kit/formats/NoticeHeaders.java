package io.keystep.kit.formats;

/**
 * The Kafka headers of a {@code factor.changed.v1} record that asks for an out-of-band notice: challenge-service
 * writes them, delivery-service reads them. Never a secret, code or token; the destinations travel sealed.
 */
public final class NoticeHeaders {

    /** {@code v1}: the record asks for a notice. */
    public static final String NOTICE = "keystep-notice";
    /** What changed and when, in plain words, without label, code or secret. */
    public static final String SUMMARY = "keystep-notice-summary";
    /** The summary's language. */
    public static final String LOCALE = "keystep-notice-locale";
    /**
     * The destinations ({@code SMS:+15555550123}, comma-separated), sealed with {@link DeliverySeal} for the tenant
     * and the event id, so that a header copied onto another record does not open.
     */
    public static final String TO = "keystep-notice-to";

    private NoticeHeaders() {
    }
}
