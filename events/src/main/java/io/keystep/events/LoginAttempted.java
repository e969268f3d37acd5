package io.keystep.events;

/**
 * A gateway checked a password and asks for a decision. Topic {@link Topics#LOGIN}.
 *
 * @param loginId          the gateway's id for this login; the correlation id of the whole thread
 * @param userId           the user who is logging in
 * @param passwordVerified whether the first factor succeeded
 * @param device           the device the login comes from
 * @param ip               the client IP address
 * @param purpose          why the user is asked; {@link Purpose#LOGIN} when absent
 */
public record LoginAttempted(String loginId, String userId, boolean passwordVerified, Device device, String ip,
                             Purpose purpose) {

    public static final String TYPE = "auth.login";

    public LoginAttempted {
        Required.text(loginId, "loginId");
        Required.text(userId, "userId");
        Required.value(device, "device");
        Required.text(ip, "ip");
        purpose = purpose == null ? Purpose.LOGIN : purpose;
    }
}
