package io.keystep.challenge.domain;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber;

import java.util.Optional;

/** Phone numbers as the platform keeps them (E.164) and shows them (masked). */
public final class PhoneNumbers {

    private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();

    private PhoneNumbers() {
    }

    /**
     * The E.164 form of an international number ({@code +} and country code), empty when it is not one.
     * Checks that the number is possible for its country (length and country code) rather than assigned:
     * numbering plans change faster than the library's metadata, and the 555 numbers of demos must enroll.
     */
    public static Optional<String> toE164(String input) {
        if (input == null || input.isBlank() || input.length() > 32 || !input.trim().startsWith("+")) {
            return Optional.empty();
        }
        try {
            Phonenumber.PhoneNumber number = UTIL.parse(input.trim(), null);
            if (!UTIL.isPossibleNumber(number)) {
                return Optional.empty();
            }
            return Optional.of(UTIL.format(number, PhoneNumberUtil.PhoneNumberFormat.E164));
        } catch (NumberParseException e) {
            return Optional.empty();
        }
    }

    /**
     * The region (ISO 3166-1 alpha-2, as libphonenumber names it) of an E.164 number: the region whose numbering
     * plan holds it, else, for a number no plan assigns yet (such as the 555 numbers of demos), the main region of
     * its country calling code ({@code +1} → {@code US}). Empty when not even the calling code is known.
     */
    public static Optional<String> region(String e164) {
        try {
            Phonenumber.PhoneNumber number = UTIL.parse(e164, null);
            String region = UTIL.getRegionCodeForNumber(number);
            if (region == null || "ZZ".equals(region) || "001".equals(region)) {
                region = UTIL.getRegionCodeForCountryCode(number.getCountryCode());
            }
            return "ZZ".equals(region) || "001".equals(region) ? Optional.empty() : Optional.ofNullable(region);
        } catch (NumberParseException e) {
            return Optional.empty();
        }
    }

    /** {@code +4915*****678}: enough to recognise one's own number, not enough to call it. */
    public static String mask(String number) {
        if (number == null || number.length() < 8) {
            return "*****";
        }
        int keepStart = Math.min(5, number.length() - 6);
        return number.substring(0, keepStart) + "*".repeat(number.length() - keepStart - 3)
                + number.substring(number.length() - 3);
    }
}
