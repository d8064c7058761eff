package dev.postern.auth;

import dev.postern.imap.Credentials;

/**
 * SASL LOGIN (draft-murchison-sasl-login), the mechanism Outlook and older clients use: the server prompts
 * {@code Username:} then {@code Password:} (base64), the client answers each with its value in base64. With
 * SASL-IR the initial response is the user name and the first prompt is skipped.
 */
public final class LoginMechanism implements SaslMechanism {
    /** {@code Username:} in base64, as every client of this mechanism expects it byte for byte. */
    static final String USERNAME_PROMPT = encodeAscii("Username:");
    /** {@code Password:} in base64. */
    static final String PASSWORD_PROMPT = encodeAscii("Password:");

    @Override
    public String name() {
        return "LOGIN";
    }

    @Override
    public SaslExchange newExchange() {
        return new Exchange();
    }

    private static String encodeAscii(String text) {
        return java.util.Base64.getEncoder().encodeToString(text.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    private static final class Exchange extends SaslExchange {
        /** Null until the user name has arrived. */
        private byte[] user;

        @Override
        protected SaslStep onStart(byte[] initialResponse) {
            return initialResponse == null ? new SaslStep.Challenge(USERNAME_PROMPT) : onResponse(initialResponse);
        }

        @Override
        protected SaslStep onResponse(byte[] response) {
            byte[] decoded;
            try {
                decoded = decode(response);
            } catch (InvalidBase64 e) {
                return new SaslStep.Failed(e.getMessage());
            }
            if (user == null) {
                if (decoded.length == 0) {
                    return new SaslStep.Failed("Empty authentication identity");
                }
                user = decoded;
                return new SaslStep.Challenge(PASSWORD_PROMPT);
            }
            try {
                return new SaslStep.Authenticated(Credentials.fromSaslLogin(user, decoded));
            } finally {
                wipe(decoded);
            }
        }
    }
}
