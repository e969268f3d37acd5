package io.keystep.challenge.domain;

import java.text.Normalizer;
import java.util.Locale;
import java.util.Set;

/**
 * E-mail destinations as the platform keeps them and counts them. Two spellings of one mailbox must share one send
 * limit and one pseudonym, or a caller could multiply a victim's sends by varying case, dots or tags.
 *
 * <ul>
 *   <li>{@link #normalised}: where a code is sent and what is stored: trimmed, Unicode NFC, local part and domain in
 *   lower case. Every mainstream provider treats the local part case-insensitively, so the mail still arrives.</li>
 *   <li>{@link #mailbox}: what limits and pseudonyms are computed over: the normalised address without a
 *   sub-address tag ({@code +} and what follows it in the local part, RFC 5233, as Gmail, Outlook, iCloud, Fastmail
 *   and Proton deliver it), and for {@code gmail.com} and {@code googlemail.com}, which ignore dots in the local part
 *   and are one service, without dots and under {@code gmail.com}. The tag is dropped for every domain: on a server
 *   that does not sub-address, two addresses that differ only by a tag then share a limit, which errs on the safe
 *   side. No other provider rule is applied (custom domains hosted by Google keep their dots).</li>
 * </ul>
 */
public final class EmailAddresses {

    private static final Set<String> GMAIL = Set.of("gmail.com", "googlemail.com");

    private EmailAddresses() {
    }

    /** {@code address} (already a valid e-mail address) as it is stored and sent to. */
    public static String normalised(String address) {
        return Normalizer.normalize(address.strip(), Normalizer.Form.NFC).toLowerCase(Locale.ROOT);
    }

    /** The mailbox {@code address} reaches, the key its limits and pseudonym are computed over. */
    public static String mailbox(String address) {
        String normal = normalised(address);
        int at = normal.lastIndexOf('@');
        String local = normal.substring(0, at);
        String domain = normal.substring(at + 1);
        int tag = local.indexOf('+');
        if (tag > 0) {
            local = local.substring(0, tag);
        }
        if (GMAIL.contains(domain)) {
            local = local.replace(".", "");
            domain = "gmail.com";
        }
        return local + "@" + domain;
    }

    /** Whether {@code destination} is an e-mail address rather than an E.164 number. */
    public static boolean isEmail(String destination) {
        return destination.indexOf('@') >= 0;
    }
}
