package io.keystep.console.session;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * A signed-in person: who, for which tenant, with which roles, and the bearer token the console presents to the
 * services on their behalf. The services decide what the token may do; the roles here only choose the screens shown.
 */
public record Session(String subject, String tenant, Set<String> roles, String token, Instant expiresAt) {

    /** The console's screens, each for one role, in the order the navigation shows them. */
    public enum Screen {
        COMPLIANCE("compliance", "Compliance", "/compliance"),
        SUPPORT("support", "Support", "/support"),
        ANALYTICS("analyst", "Analytics", "/analytics"),
        SETTINGS("admin", "Settings", "/settings");

        private final String role;
        private final String title;
        private final String path;

        Screen(String role, String title, String path) {
            this.role = role;
            this.title = title;
            this.path = path;
        }

        public String role() {
            return role;
        }

        public String title() {
            return title;
        }

        public String path() {
            return path;
        }
    }

    public Session {
        roles = Set.copyOf(roles);
    }

    public boolean has(String role) {
        return roles.contains(role);
    }

    /** The screens this person's roles open, in navigation order. */
    public List<Screen> screens() {
        return java.util.Arrays.stream(Screen.values()).filter(s -> has(s.role())).toList();
    }

    /** Throws {@link ScreenRefusedException} unless the person holds the screen's role. */
    public void require(Screen screen) {
        if (!has(screen.role())) {
            throw new ScreenRefusedException(screen);
        }
    }
}
