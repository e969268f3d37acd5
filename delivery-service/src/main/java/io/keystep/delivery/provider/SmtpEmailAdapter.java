package io.keystep.delivery.provider;

import io.keystep.events.Channel;
import io.quarkus.mailer.Mail;
import io.quarkus.mailer.reactive.ReactiveMailer;
import io.smallrye.mutiny.Uni;

import java.time.Duration;
import java.util.Set;
import java.util.UUID;

/** E-mail through the Quarkus Mailer (SMTP, configured by {@code quarkus.mailer.*}). */
public final class SmtpEmailAdapter implements ProviderAdapter {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final String name;
    private final ReactiveMailer mailer;

    public SmtpEmailAdapter(String name, ReactiveMailer mailer) {
        this.name = name;
        this.mailer = mailer;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Set<Channel> channels() {
        return Set.of(Channel.EMAIL);
    }

    @Override
    public Uni<SendOutcome> send(OutboundMessage message) {
        String id = "<" + UUID.randomUUID() + "@keystep>";
        Mail mail = Mail.withText(message.to(), message.subject(), message.body()).addHeader("Message-ID", id);
        return mailer.send(mail)
                .ifNoItem().after(TIMEOUT).fail()
                .map(ignored -> (SendOutcome) new SendOutcome.Accepted(id))
                .onFailure().recoverWithItem(failure -> failure.getClass().getSimpleName().contains("Timeout")
                        ? new SendOutcome.Refused("PROVIDER_TIMEOUT", true)
                        : new SendOutcome.Refused("SMTP_REFUSED", true));
    }
}
