package io.keystep.challenge.domain;

/**
 * The context a code is bound to (PSD2 dynamic linking): a transaction's amount and payee. A check presenting
 * another amount or payee digests differently and so fails like a wrong code.
 */
public final class Bindings {

    private Bindings() {
    }

    /** The binding string, empty when there is nothing to bind. */
    public static String of(String amount, String payee) {
        if ((amount == null || amount.isEmpty()) && (payee == null || payee.isEmpty())) {
            return "";
        }
        return "amount=" + (amount == null ? "" : amount) + "|payee=" + (payee == null ? "" : payee);
    }
}
