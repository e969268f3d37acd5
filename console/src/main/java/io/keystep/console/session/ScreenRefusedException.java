package io.keystep.console.session;

/** A screen asked for by someone without its role: answered 403 with a page that says which role it needs. */
public class ScreenRefusedException extends RuntimeException {

    private final Session.Screen screen;

    public ScreenRefusedException(Session.Screen screen) {
        super("the " + screen.title() + " screen needs the role " + screen.role());
        this.screen = screen;
    }

    public Session.Screen screen() {
        return screen;
    }
}
