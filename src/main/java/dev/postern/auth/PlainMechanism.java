package dev.postern.auth;

import dev.postern.imap.SaslPlain;

/**
 * SASL PLAIN (RFC 4616): one response {@code [authzid] NUL authcid NUL passwd}, given as the initial response or
 * after an empty challenge. The codec is {@link SaslPlain}, which the backend side uses to encode the same message.
 */
public final class PlainMechanism implements SaslMechanism {

    @Override
    public String name() {
        return "PLAIN";
    }

    @Override
    public SaslExchange newExchange() {
        return SaslExchange.oneMessage(response -> {
            try {
                return new SaslStep.Authenticated(SaslPlain.decode(response));
            } catch (SaslPlain.InvalidResponse e) {
                return new SaslStep.Failed(e.getMessage());
            }
        });
    }
}
