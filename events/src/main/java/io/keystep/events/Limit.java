package io.keystep.events;

/** A limit that stopped a send or a check. */
public enum Limit {
    /** too soon after the last send to the same destination */
    DESTINATION_COOLDOWN,
    /** too many sends to the same destination in the window */
    DESTINATION_WINDOW,
    /** too many sends from one client address */
    IP,
    /** the tenant's ceiling */
    TENANT,
    /** too many failed checks for the user: locked with an escalating wait */
    USER_LOCKOUT,
    /** so many consecutive failures that the factor is suspended until recovery */
    FACTOR_SUSPENDED
}
