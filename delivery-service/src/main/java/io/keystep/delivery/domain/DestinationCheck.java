package io.keystep.delivery.domain;

import io.keystep.events.Channel;

import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Whether a job's destination suits a channel of its plan and the tenant's allowed countries, worked out before
 * anything is sent: the address or number to send to, or why the channel (or the whole job) cannot take it.
 */
public final class DestinationCheck {

    private static final Pattern EMAIL = Pattern.compile("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$");
    /** The country tag of a destination with no known country (e-mail, or a number outside every region). */
    public static final String NO_COUNTRY = "ZZ";

    private final PhoneNumberNormaliser normaliser;
    private final int prefixDigits;

    /** @param prefixDigits how many digits of a number make the prefix whose send rate is limited */
    public DestinationCheck(PhoneNumberNormaliser normaliser, int prefixDigits) {
        this.normaliser = normaliser;
        this.prefixDigits = prefixDigits;
    }

    /** What a channel does with the destination. */
    public sealed interface Verdict permits Email, Phone, Device, Refused {
    }

    /** Send to this address; e-mail has no send rates. */
    public record Email(String address, String masked) implements Verdict {
    }

    /** Send to this number once its send rates (by number, prefix and country) admit it. */
    public record Phone(String e164, String prefix, String country, String masked) implements Verdict {
    }

    /** Notify this paired phone through its platform; pushes have no send rates. */
    public record Device(PushDestination device) implements Verdict {
    }

    /**
     * Not on this channel.
     *
     * @param nextChannel whether the next channel of the plan may still take the job; otherwise the job fails
     */
    public record Refused(String reason, boolean nextChannel, String masked) implements Verdict {
    }

    public Verdict check(String destination, Channel channel, Set<String> allowedCountries) {
        if (channel == Channel.PUSH) {
            return push(destination.trim());
        }
        if (channel == Channel.EMAIL) {
            String address = destination.trim();
            if (!EMAIL.matcher(address).matches()) {
                return new Refused("NOT_AN_EMAIL_ADDRESS", true, null);
            }
            return new Email(address, Masking.destination(address));
        }
        if (destination.contains("@")) {
            return new Refused("NOT_A_PHONE_NUMBER", true, null);
        }
        PhoneNumberNormaliser.Result result = normaliser.normalise(destination);
        if (result instanceof PhoneNumberNormaliser.Invalid invalid) {
            return new Refused(invalid.reason(), false, Masking.destination(destination));
        }
        PhoneNumberNormaliser.PhoneNumber number = ((PhoneNumberNormaliser.Valid) result).number();
        String masked = Masking.destination(number.e164());
        if (!allowedCountries.isEmpty() && (number.region() == null || !allowedCountries.contains(number.region()))) {
            return new Refused("COUNTRY_NOT_ALLOWED", false, masked);
        }
        if ((channel == Channel.SMS || channel == Channel.WHATSAPP) && !number.lineType().receivesText()) {
            return new Refused("NOT_A_MOBILE_NUMBER", true, null);
        }
        String country = number.region() == null ? NO_COUNTRY : number.region();
        return new Phone(number.e164(), number.prefix(prefixDigits), country, masked);
    }

    /**
     * A paired phone; otherwise why no push can reach it. A token that is not of its platform's form could never be
     * delivered and is refused as the platform would refuse it (dead), so that the phone is unpaired; a platform other
     * than FCM and APNs is not configured here.
     */
    private Verdict push(String destination) {
        Optional<PushDestination> device = PushDestination.parse(destination);
        if (device.isPresent()) {
            return new Device(device.get());
        }
        String reason = PushDestination.names(destination) ? PushReasons.TOKEN_UNREGISTERED
                : destination.indexOf(':') > 0 ? PushReasons.NOT_CONFIGURED : PushReasons.DESTINATION_INVALID;
        return new Refused(reason, false, masked(destination));
    }

    /** The destination as status events and logs show it: canonical when it reads as a number, then masked. */
    public String masked(String destination) {
        String trimmed = destination.trim();
        if (PushDestination.names(trimmed)) {
            int colon = trimmed.indexOf(':');
            return Masking.device(trimmed.substring(0, colon), trimmed.substring(colon + 1));
        }
        if (destination.contains("@")) {
            return Masking.destination(destination.trim());
        }
        PhoneNumberNormaliser.Result result = normaliser.normalise(destination);
        return result instanceof PhoneNumberNormaliser.Valid valid
                ? Masking.destination(valid.number().e164()) : Masking.destination(destination);
    }

    /** The destination's country for metrics, {@link #NO_COUNTRY} when it has none. */
    public String country(String destination) {
        if (destination.contains("@") || PushDestination.names(destination.trim())) {
            return NO_COUNTRY;
        }
        PhoneNumberNormaliser.Result result = normaliser.normalise(destination);
        return result instanceof PhoneNumberNormaliser.Valid valid && valid.number().region() != null
                ? valid.number().region() : NO_COUNTRY;
    }
}
