package io.keystep.audit.domain;

import java.util.UUID;

/**
 * Walks one tenant's rows in chain order and finds the first that breaks the chain: a missing sequence number (a
 * deleted row), a previous hash that is not the previous row's hash, or a hash that does not match the row's
 * columns (an edited row).
 */
public final class ChainVerifier {

    private long expectedSeq;
    private String prevHash;
    private long checked;
    private Break broken;

    /**
     * @param firstSeq the first sequence number to be seen
     * @param prevHash the hash the first row must link to, or null when it cannot be known (the rows before it were
     *                 removed by retention)
     */
    public ChainVerifier(long firstSeq, String prevHash) {
        this.expectedSeq = firstSeq;
        this.prevHash = prevHash;
    }

    /** Checks the next row; returns false once the chain is broken. */
    public boolean accept(StoredEvent row) {
        if (broken != null) {
            return false;
        }
        if (row.chainSeq() != expectedSeq) {
            broken = new Break(expectedSeq, null, "row missing: sequence number " + expectedSeq + " is absent");
            return false;
        }
        if (prevHash != null && !prevHash.equals(row.prevHash())) {
            broken = new Break(row.chainSeq(), row.eventId(), "previous hash does not match the previous row");
            return false;
        }
        if (!HashChain.hash(row).equals(row.hash())) {
            broken = new Break(row.chainSeq(), row.eventId(), "row changed: its hash does not match its content");
            return false;
        }
        prevHash = row.hash();
        expectedSeq++;
        checked++;
        return true;
    }

    /** Ends the walk: every sequence number up to {@code lastSeq} must have been seen. */
    public void finish(long lastSeq) {
        if (broken == null && expectedSeq <= lastSeq) {
            broken = new Break(expectedSeq, null, "row missing: sequence number " + expectedSeq + " is absent");
        }
    }

    /** Marks the chain broken before the walk begins (for example the row the first one links to is gone). */
    public void breakAt(long seq, String reason) {
        if (broken == null) {
            broken = new Break(seq, null, reason);
        }
    }

    public long nextSeq() {
        return expectedSeq;
    }

    public long checked() {
        return checked;
    }

    public String lastHash() {
        return prevHash;
    }

    public Break broken() {
        return broken;
    }

    /** The first row that breaks the chain and why. */
    public record Break(long chainSeq, UUID eventId, String reason) {
    }
}
