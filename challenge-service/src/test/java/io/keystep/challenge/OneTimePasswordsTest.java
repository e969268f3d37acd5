package io.keystep.challenge;

import io.keystep.challenge.factors.OneTimePasswords;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

/** The published test vectors of RFC 4226 and RFC 6238. */
class OneTimePasswordsTest {

    private static final byte[] SHA1_KEY = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SHA256_KEY = "12345678901234567890123456789012".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SHA512_KEY = ("1234567890".repeat(6) + "1234").getBytes(StandardCharsets.US_ASCII);

    @Test
    void rfc4226AppendixDValuesForCountersZeroToNine() {
        List<String> expected = List.of("755224", "287082", "359152", "969429", "338314", "254676", "287922",
                "162583", "399871", "520489");
        for (int counter = 0; counter < expected.size(); counter++) {
            assertThat(OneTimePasswords.hotp(SHA1_KEY, counter, 6, "SHA1"), equalTo(expected.get(counter)));
        }
    }

    @Test
    void rfc6238AppendixBValuesForSha1Sha256AndSha512() {
        long[] times = {59L, 1111111109L, 1111111111L, 1234567890L, 2000000000L, 20000000000L};
        String[] sha1 = {"94287082", "07081804", "14050471", "89005924", "69279037", "65353130"};
        String[] sha256 = {"46119246", "68084774", "67062674", "91819424", "90698825", "77737706"};
        String[] sha512 = {"90693936", "25091201", "99943326", "93441116", "38618901", "47863826"};
        for (int i = 0; i < times.length; i++) {
            long step = OneTimePasswords.timeStep(times[i], 30);
            assertThat(OneTimePasswords.hotp(SHA1_KEY, step, 8, "SHA1"), equalTo(sha1[i]));
            assertThat(OneTimePasswords.hotp(SHA256_KEY, step, 8, "SHA256"), equalTo(sha256[i]));
            assertThat(OneTimePasswords.hotp(SHA512_KEY, step, 8, "SHA512"), equalTo(sha512[i]));
        }
    }

    @Test
    void base32RoundTripsAndMatchesRfc4648() {
        assertThat(OneTimePasswords.base32("foobar".getBytes(StandardCharsets.US_ASCII)), equalTo("MZXW6YTBOI"));
        assertThat(new String(OneTimePasswords.fromBase32("MZXW6YTBOI"), StandardCharsets.US_ASCII), equalTo("foobar"));
    }
}
