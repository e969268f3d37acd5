package io.keystep.console.session;

/** A page asked for without a session, or with one that expired: answered by a redirect to the sign-in. */
public class NotSignedInException extends RuntimeException {

    public NotSignedInException() {
        super("not signed in", null, false, false);
    }
}
