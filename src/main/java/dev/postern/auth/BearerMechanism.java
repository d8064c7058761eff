package dev.postern.auth;

import dev.postern.imap.Credentials;
import dev.postern.imap.SaslBearer;

/**
 * XOAUTH2 and OAUTHBEARER (RFC 7628): one client message with a user and an OAuth 2.0 bearer token, given as the
 * initial response or after an empty challenge; {@link SaslBearer} is the codec. Whether the token is good is not
 * decided here: the backend (pass-through) or Postern's verifier (auth.oauth) says so, and a refusal is answered
 * with the mechanism's error continuation first (the front end sends it).
 */
public final class BearerMechanism implements SaslMechanism {
    private final Credentials.Kind kind;

    public BearerMechanism(Credentials.Kind kind) {
        if (!kind.bearer()) {
            throw new IllegalArgumentException(kind + " is not a bearer mechanism");
        }
        this.kind = kind;
    }

    @Override
    public String name() {
        return kind.name();
    }

    @Override
    public SaslExchange newExchange() {
        return SaslExchange.oneMessage(response -> {
            try {
                return new SaslStep.Authenticated(SaslBearer.decode(kind, response));
            } catch (SaslBearer.InvalidMessage e) {
                return new SaslStep.Failed(e.getMessage());
            }
        });
    }
}
