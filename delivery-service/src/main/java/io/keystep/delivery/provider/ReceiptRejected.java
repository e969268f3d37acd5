package io.keystep.delivery.provider;

/** A status callback that is not accepted: bad signature (401), unreadable (400), or no receipts here (404). */
public final class ReceiptRejected extends RuntimeException {

    private final int status;

    public ReceiptRejected(int status, String detail) {
        super(detail, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
