package io.keystep.delivery.domain;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber;

/** Turns a number as enrolled into E.164 with its country and line type, using libphonenumber. */
public final class PhoneNumberNormaliser {

    private final PhoneNumberUtil phoneNumbers = PhoneNumberUtil.getInstance();
    private final String defaultRegion;

    public PhoneNumberNormaliser(String defaultRegion) {
        this.defaultRegion = defaultRegion;
    }

    /** What kind of line a number is, as far as sending codes cares. */
    public enum LineType {
        MOBILE, FIXED_LINE, FIXED_LINE_OR_MOBILE, VOIP, OTHER;

        /** Text channels (SMS, WhatsApp) only reach lines that may be mobile. */
        public boolean receivesText() {
            return this == MOBILE || this == FIXED_LINE_OR_MOBILE;
        }
    }

    /** A valid number. */
    public record PhoneNumber(String e164, String region, int countryCode, LineType lineType) {

        /** The first digits after the country code, used to spot pumping across a number range. */
        public String prefix(int digits) {
            String national = e164.substring(1 + String.valueOf(countryCode).length());
            return "+" + countryCode + national.substring(0, Math.min(digits, national.length()));
        }
    }

    /** The outcome: a number, or why there is none. */
    public sealed interface Result permits Valid, Invalid {
    }

    public record Valid(PhoneNumber number) implements Result {
    }

    public record Invalid(String reason) implements Result {
    }

    public Result normalise(String raw) {
        if (raw == null || raw.isBlank() || raw.length() > 64) {
            return new Invalid("INVALID_NUMBER");
        }
        try {
            Phonenumber.PhoneNumber parsed = phoneNumbers.parse(raw, defaultRegion);
            // What isValidNumber decides, without matching the number against its region's patterns twice: a
            // number is valid when it has a region and its digits are a known type of line there.
            String region = phoneNumbers.getRegionCodeForNumber(parsed);
            if (region == null) {
                return new Invalid("INVALID_NUMBER");
            }
            PhoneNumberUtil.PhoneNumberType type = phoneNumbers.getNumberType(parsed);
            if (type == PhoneNumberUtil.PhoneNumberType.UNKNOWN) {
                return new Invalid("INVALID_NUMBER");
            }
            String e164 = phoneNumbers.format(parsed, PhoneNumberUtil.PhoneNumberFormat.E164);
            return new Valid(new PhoneNumber(e164, region, parsed.getCountryCode(), lineType(type)));
        } catch (NumberParseException e) {
            return new Invalid("INVALID_NUMBER");
        }
    }

    private static LineType lineType(PhoneNumberUtil.PhoneNumberType type) {
        return switch (type) {
            case MOBILE -> LineType.MOBILE;
            case FIXED_LINE -> LineType.FIXED_LINE;
            case FIXED_LINE_OR_MOBILE -> LineType.FIXED_LINE_OR_MOBILE;
            case VOIP -> LineType.VOIP;
            default -> LineType.OTHER;
        };
    }
}
