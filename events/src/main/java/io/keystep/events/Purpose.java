package io.keystep.events;

/** Why a person is asked to prove themselves; a code is bound to its purpose. */
public enum Purpose {
    LOGIN, SIGNUP, TRANSACTION, RECOVERY, FACTOR_CHANGE
}
