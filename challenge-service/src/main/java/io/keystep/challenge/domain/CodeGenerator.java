package io.keystep.challenge.domain;

import jakarta.enterprise.context.ApplicationScoped;

import java.security.SecureRandom;

/** Draws one-time codes: uniformly random decimal digits from {@link SecureRandom}. */
@ApplicationScoped
public class CodeGenerator {

    private final SecureRandom random = new SecureRandom();

    /** A code of {@code length} digits; leading zeros are kept, so every code is equally likely. */
    public String next(int length) {
        if (length < 4 || length > 10) {
            throw new IllegalArgumentException("code length must be 4 to 10 digits");
        }
        char[] digits = new char[length];
        for (int i = 0; i < length; i++) {
            digits[i] = (char) ('0' + random.nextInt(10));
        }
        return new String(digits);
    }
}
