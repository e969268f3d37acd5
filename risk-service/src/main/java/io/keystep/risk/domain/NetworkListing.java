package io.keystep.risk.domain;

/** Where a login's IP stands in its tenant's network lists. */
public enum NetworkListing {
    NONE, ALLOWED, DENIED
}
