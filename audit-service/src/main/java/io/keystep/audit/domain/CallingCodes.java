package io.keystep.audit.domain;

import com.google.i18n.phonenumbers.PhoneNumberUtil;

/**
 * The region of a number from its first digits, through libphonenumber's metadata: the region of the country calling
 * code the digits start with. A calling code several regions share ({@code +1}, {@code +7}, {@code +44}) gives its
 * main region (US, RU, GB): the few digits a masked number keeps cannot tell them apart.
 */
public final class CallingCodes {

    private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();
    /** No calling code is longer. */
    private static final int LONGEST_CODE = 3;

    private CallingCodes() {
    }

    /** The ISO 3166 region of the calling code {@code digits} start with; null when they start with none. */
    public static String region(String digits) {
        if (digits == null) {
            return null;
        }
        // calling codes are prefix-free: the first one the digits start with is theirs
        for (int length = 1; length <= Math.min(LONGEST_CODE, digits.length()); length++) {
            String region = PHONES.getRegionCodeForCountryCode(Integer.parseInt(digits.substring(0, length)));
            if (PhoneNumberUtil.REGION_CODE_FOR_NON_GEO_ENTITY.equals(region)) {
                return null;
            }
            if (!"ZZ".equals(region)) {
                return region;
            }
        }
        return null;
    }
}
