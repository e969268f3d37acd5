package io.keystep.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.delivery.domain.MessageComposer;
import io.keystep.events.Channel;
import io.keystep.events.Purpose;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.keystep.testsupport.SmsSink;
import io.quarkus.qute.Engine;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.mail.internet.MimeMessage;
import com.icegreen.greenmail.util.GreenMailUtil;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(SmsSinkTestResource.class)
@QuarkusTestResource(ProviderStandInsTestResource.class)
@QuarkusTestResource(io.keystep.testsupport.auth.JwtTestResource.class)
class MessageTemplatesTest {

    private static final Pattern DIGIT_RUN = Pattern.compile("\\d{4,}");

    @Inject
    Engine engine;

    @Inject
    ObjectMapper json;

    private final SmsSink sink = SmsSinkTestResource.sink();

    private MessageComposer composer(Optional<String> webOtp, Optional<String> hash) {
        return new MessageComposer(engine, tenant -> new MessageComposer.Lines(webOtp, hash), id -> Optional.empty());
    }

    private static MessageComposer.Content content(String locale, MessageComposer.Transaction transaction) {
        return new MessageComposer.Content("t", locale, transaction == null ? Purpose.LOGIN : Purpose.TRANSACTION,
                "482913", 5, transaction);
    }

    @Test
    void everyShippedLocaleSaysTheCodeAndItsLifetimeInItsOwnWords() {
        MessageComposer composer = composer(Optional.empty(), Optional.empty());
        Set<String> texts = new HashSet<>();
        for (String locale : MessageComposer.SHIPPED_LOCALES) {
            for (Channel channel : List.of(Channel.SMS, Channel.VOICE, Channel.EMAIL)) {
                MessageComposer.Rendered rendered = composer.render(channel, content(locale, null));
                assertTrue(rendered.body().contains(channel == Channel.VOICE ? "4, 8, 2, 9, 1, 3" : "482913"),
                        locale + " " + channel + ": " + rendered.body());
                if (channel != Channel.VOICE) {
                    assertTrue(rendered.body().contains(" 5 "), locale + " names the lifetime: " + rendered.body());
                }
                if (channel != Channel.EMAIL) {
                    assertTrue(texts.add(rendered.body()), locale + " " + channel + " has its own words");
                }
                if (channel == Channel.SMS) {
                    Matcher runs = DIGIT_RUN.matcher(rendered.body());
                    assertTrue(runs.find());
                    assertFalse(runs.find(), "the code is the only run of four or more digits");
                }
                if (channel == Channel.EMAIL) {
                    assertFalse(rendered.subject().isBlank());
                }
            }
        }
        assertEquals("Votre code de vérification est 482913. Il expire dans 5 minutes.",
                composer.render(Channel.SMS, content("fr", null)).body());
    }

    @Test
    void regionalLocaleUsesItsLanguageAndAnUnknownOneEnglish() {
        MessageComposer composer = composer(Optional.empty(), Optional.empty());
        assertEquals(composer.render(Channel.SMS, content("pt", null)).body(),
                composer.render(Channel.SMS, content("pt-BR", null)).body());
        assertEquals(composer.render(Channel.SMS, content("es", null)).body(),
                composer.render(Channel.SMS, content("es_MX", null)).body());
        assertEquals("Your verification code is 482913. It expires in 5 minutes.",
                composer.render(Channel.SMS, content("ja", null)).body());
        assertEquals("Your verification code is 482913. It expires in 5 minutes.",
                composer.render(Channel.SMS, content("../../etc", null)).body());
    }

    @Test
    void webOtpLineAndRetrieverHashEndTheSmsButNotOtherChannels() {
        MessageComposer composer = composer(Optional.of("login.example.com"), Optional.of("FA+9qCX9VSu"));
        String sms = composer.render(Channel.SMS, content("de", null)).body();
        String[] lines = sms.split("\n");
        assertEquals("@login.example.com #482913 FA+9qCX9VSu", lines[lines.length - 1]);
        assertTrue(sms.startsWith("Ihr Bestätigungscode lautet 482913."));
        assertFalse(composer.render(Channel.WHATSAPP, content("de", null)).body().contains("@login"));
        String hashOnly = composer(Optional.empty(), Optional.of("FA+9qCX9VSu")).render(Channel.SMS, content("en", null)).body();
        assertTrue(hashOnly.endsWith("\n\nFA+9qCX9VSu"));
    }

    @Test
    void paymentCodesNameTheAmountAndThePayeeInEveryLocale() {
        MessageComposer composer = composer(Optional.empty(), Optional.empty());
        MessageComposer.Transaction payment = new MessageComposer.Transaction("EUR 49.90", "Example Shop");
        for (String locale : MessageComposer.SHIPPED_LOCALES) {
            for (Channel channel : List.of(Channel.SMS, Channel.VOICE, Channel.EMAIL)) {
                String body = composer.render(channel, content(locale, payment)).body();
                assertTrue(body.contains("EUR 49.90") && body.contains("Example Shop"), locale + ": " + body);
            }
        }
    }

    @Test
    void paymentJobNamesItsAmountAndPayeeInTheSmsItSends() {
        String number = Jobs.usNumber();
        String code = Jobs.code();
        Jobs.Job job = Jobs.Job.sms(Jobs.tenant(), number, code).withLocale("de")
                .forPayment("EUR 49,90", "Beispiel GmbH");
        job.publish(json);
        new StatusEvents(json).await(job.challengeId(), "SENT");
        assertEquals("Der Code " + code + " bestätigt die Zahlung von EUR 49,90 an Beispiel GmbH. Er läuft in "
                + "5 Minuten ab. Geben Sie ihn nicht weiter.", sink.messagesTo(number).get(0).body());
    }

    @Test
    void paymentJobOnEveryShippedLocaleNamesAmountAndPayeeAndALoginJobDoesNot() {
        MessageComposer composer = composer(Optional.empty(), Optional.empty());
        for (String locale : MessageComposer.SHIPPED_LOCALES) {
            Jobs.Job job = Jobs.Job.sms("t", "+14155550100", "482913").withLocale(locale)
                    .forPayment("USD 1,250.00", "Acme Travel");
            MessageComposer.Transaction payment = job.asDeliveryJob().transaction().orElseThrow();
            for (Channel channel : List.of(Channel.SMS, Channel.WHATSAPP, Channel.VOICE, Channel.EMAIL)) {
                String body = composer.render(channel, new MessageComposer.Content("t", locale, Purpose.TRANSACTION,
                        "482913", 5, payment)).body();
                assertTrue(body.contains("USD 1,250.00") && body.contains("Acme Travel"),
                        locale + " " + channel + ": " + body);
            }
        }
        Jobs.Job login = Jobs.Job.sms("t", "+14155550100", "482913");
        assertTrue(login.asDeliveryJob().transaction().isEmpty(), "a login names no payment");
        Jobs.Job withoutPayee = login.forPayment("USD 5.00", " ");
        assertTrue(withoutPayee.asDeliveryJob().transaction().isEmpty(), "a payment without payee is not named half");
    }

    @Test
    void jobInFrenchArrivesInFrench() {
        String number = Jobs.usNumber();
        String code = Jobs.code();
        Jobs.Job job = Jobs.Job.sms(Jobs.tenant(), number, code).withLocale("fr-CA");
        job.publish(json);
        new StatusEvents(json).await(job.challengeId(), "SENT");
        assertEquals("Votre code de vérification est " + code + ". Il expire dans 5 minutes.",
                sink.messagesTo(number).get(0).body());
    }

    @Test
    void tenantsOwnTemplateAndWebOtpLineAreUsedForItsMessages() {
        String number = Jobs.usNumber();
        String code = Jobs.code();
        Jobs.Job job = Jobs.Job.sms("brand-tenant", number, code);
        job.publish(json);
        new StatusEvents(json).await(job.challengeId(), "SENT");
        assertEquals("Brand code " + code + ", valid 5 min.\n\n@login.example.com #" + code + " FA+9qCX9VSu",
                sink.messagesTo(number).get(0).body());
    }

    @Test
    void emailCarriesTheCodeWithASubjectInTheJobsLanguage() throws Exception {
        String address = "person-" + UUID.randomUUID() + "@example.com";
        String code = Jobs.code();
        Jobs.Job job = Jobs.Job.sms(Jobs.tenant(), address, code).withPlan(List.of(Channel.EMAIL)).withLocale("de");
        job.publish(json);
        JsonNode sent = new StatusEvents(json).await(job.challengeId(), "SENT");
        assertEquals("smtp", sent.get("provider").asText());
        assertEquals("EMAIL", sent.get("channel").asText());
        assertFalse(sent.get("destination").asText().contains("person-"), "the address is masked");

        MimeMessage mail = await().atMost(StatusEvents.WAIT).until(() -> java.util.Arrays.stream(
                        ProviderStandInsTestResource.SMTP.getReceivedMessages())
                .filter(m -> {
                    try {
                        return m.getAllRecipients()[0].toString().equals(address);
                    } catch (Exception e) {
                        return false;
                    }
                }).findFirst(), Optional::isPresent).orElseThrow();
        assertEquals("Ihr Bestätigungscode", mail.getSubject());
        assertTrue(GreenMailUtil.getBody(mail).contains(code));
    }
}
