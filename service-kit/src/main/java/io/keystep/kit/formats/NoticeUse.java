package io.keystep.kit.formats;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a delivery worker acts on when it sends a factor-change notice, besides the destinations themselves: the
 * tenant, the {@code factor.changed.v1} event and its user, and the summary and language headers that become the
 * message. {@link DeliverySeal} seals the destinations for exactly one notice, so that neither they nor the text
 * sent to them can be moved onto, or changed on, another record.
 *
 * @param summary the {@link NoticeHeaders#SUMMARY} header as written, or null
 * @param locale  the {@link NoticeHeaders#LOCALE} header as written, or null
 */
public record NoticeUse(String tenantId, String eventId, String userId, String summary, String locale) {

    public NoticeUse {
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(userId, "userId");
    }

    /** The fields in which {@code stated} (a record's envelope and headers) departs from this sealed use. */
    List<String> departures(NoticeUse stated) {
        List<String> fields = new ArrayList<>();
        CodeUse.differs(fields, "tenantId", tenantId, stated.tenantId);
        CodeUse.differs(fields, "eventId", eventId, stated.eventId);
        CodeUse.differs(fields, "userId", userId, stated.userId);
        CodeUse.differs(fields, NoticeHeaders.SUMMARY, summary, stated.summary);
        CodeUse.differs(fields, NoticeHeaders.LOCALE, locale, stated.locale);
        return fields;
    }
}
