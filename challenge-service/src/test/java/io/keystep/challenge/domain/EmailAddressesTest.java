package io.keystep.challenge.domain;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EmailAddressesTest {

    @Test
    void anAddressIsSentToTrimmedAndInLowerCaseWithItsDotsAndTagKept() {
        assertEquals("alice.smith+news@example.com", EmailAddresses.normalised("  Alice.Smith+News@EXAMPLE.Com\t"));
        // composed and decomposed spellings of one accented letter are one address
        assertEquals(EmailAddresses.normalised("Jos\u00e9@example.com"),
                EmailAddresses.normalised("Jose\u0301@example.com"));
    }

    @Test
    void theMailboxDropsTheSubAddressTagOnEveryDomain() {
        assertEquals("alice@example.com", EmailAddresses.mailbox("Alice+promo@Example.com"));
        assertEquals("alice@example.com", EmailAddresses.mailbox("alice+a+b@example.com"));
        assertEquals("a.b@example.com", EmailAddresses.mailbox("A.B@example.com"), "dots count outside Gmail");
        assertEquals("+tag@example.com", EmailAddresses.mailbox("+tag@example.com"), "a local part is never emptied");
    }

    @Test
    void gmailIgnoresDotsAndGooglemailIsGmail() {
        String mailbox = EmailAddresses.mailbox("alicesmith@gmail.com");
        for (String spelling : new String[] {"Alice.Smith@gmail.com", "a.l.i.c.e.s.m.i.t.h+x@GMAIL.COM",
                " alice.smith+shop@googlemail.com "}) {
            assertEquals(mailbox, EmailAddresses.mailbox(spelling), spelling);
        }
        assertNotEquals(mailbox, EmailAddresses.mailbox("alice.smith@example.com"));
        assertEquals("alice.smith@gmail.example", EmailAddresses.mailbox("alice.smith@gmail.example"));
    }

    @Test
    void everySpellingOfAMailboxHasOnePseudonymAndANumberKeepsItsOwn() {
        CodeDigest digests = new CodeDigest("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
        assertEquals(digests.destinationPseudonym("acme", "alicesmith@gmail.com"),
                digests.destinationPseudonym("acme", "Alice.Smith+news@GoogleMail.com"));
        assertNotEquals(digests.destinationPseudonym("acme", "alicesmith@gmail.com"),
                digests.destinationPseudonym("other", "alicesmith@gmail.com"));
        assertEquals(digests.pseudonym("acme", "+14155552671"), digests.destinationPseudonym("acme", "+14155552671"));
        assertTrue(EmailAddresses.isEmail("a@example.com"));
        assertFalse(EmailAddresses.isEmail("+14155552671"));
    }
}
