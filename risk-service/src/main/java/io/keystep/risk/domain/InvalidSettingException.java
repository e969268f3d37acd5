package io.keystep.risk.domain;

/** A settings value outside its bounds; names the field so that the answer can say which. */
public class InvalidSettingException extends RuntimeException {

    private final String field;

    public InvalidSettingException(String field, String message) {
        super(message, null, false, false);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
