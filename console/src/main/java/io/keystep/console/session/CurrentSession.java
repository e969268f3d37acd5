package io.keystep.console.session;

import jakarta.enterprise.context.RequestScoped;

import java.util.Optional;

/** The request's session, set by {@link SessionFilter} before any screen runs. */
@RequestScoped
public class CurrentSession {

    private Session session;

    void set(Session session) {
        this.session = session;
    }

    public Optional<Session> find() {
        return Optional.ofNullable(session);
    }

    /** The session, or {@link NotSignedInException} (a redirect to the sign-in). */
    public Session get() {
        if (session == null) {
            throw new NotSignedInException();
        }
        return session;
    }

    /**
     * The session, if it holds the screen's role: {@link NotSignedInException} without one,
     * {@link ScreenRefusedException} without the role.
     */
    public Session get(Session.Screen screen) {
        Session session = get();
        session.require(screen);
        return session;
    }
}
