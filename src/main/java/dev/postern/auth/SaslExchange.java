package dev.postern.auth;

import java.util.Arrays;
import java.util.Base64;

/**
 * One AUTHENTICATE exchange with one mechanism: single use, on one event loop. The IMAP rules every mechanism
 * shares live here once (RFC 9051 6.2.2, RFC 4959): an initial response of {@code =} is an empty one, a client
 * response of {@code *} cancels at any step, and a finished exchange takes no more responses. Callers wipe the
 * arrays they pass in; a mechanism wipes the decoded copies it makes.
 */
public abstract class SaslExchange {
    private boolean finished;

    /**
     * The first step.
     *
     * @param initialResponse the SASL-IR argument as sent (base64, or {@code =} for an empty response), or null
     *                        when the client sent none
     */
    public final SaslStep start(byte[] initialResponse) {
        if (initialResponse != null && initialResponse.length == 1 && initialResponse[0] == '=') {
            return settle(onStart(new byte[0]));
        }
        return settle(onStart(initialResponse));
    }

    /** The client's answer to a challenge: one line, base64 as sent, or {@code *} to cancel. */
    public final SaslStep next(byte[] response) {
        if (finished) {
            return new SaslStep.Failed("Authentication exchange already finished");
        }
        if (response.length == 1 && response[0] == '*') {
            return settle(new SaslStep.Cancelled());
        }
        return settle(onResponse(response));
    }

    /**
     * An exchange of one client message (PLAIN, XOAUTH2, OAUTHBEARER): the initial response, or the answer to an
     * empty challenge when there was none, decoded by {@code decode} into the last step.
     */
    static SaslExchange oneMessage(java.util.function.Function<byte[], SaslStep> decode) {
        return new SaslExchange() {
            @Override
            protected SaslStep onStart(byte[] initialResponse) {
                return initialResponse == null ? new SaslStep.Challenge("") : onResponse(initialResponse);
            }

            @Override
            protected SaslStep onResponse(byte[] response) {
                return decode.apply(response);
            }
        };
    }

    /** @param initialResponse base64 of the initial response (empty for {@code =}), or null when there was none */
    protected abstract SaslStep onStart(byte[] initialResponse);

    /** @param response base64 of the client's answer to the last challenge */
    protected abstract SaslStep onResponse(byte[] response);

    /**
     * Decodes one client response. A mechanism wipes the result once used.
     *
     * @throws InvalidBase64 with a message fit for the client
     */
    protected static byte[] decode(byte[] base64) throws InvalidBase64 {
        try {
            return Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new InvalidBase64();
        }
    }

    protected static void wipe(byte[] bytes) {
        if (bytes != null) {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    private SaslStep settle(SaslStep step) {
        finished = !(step instanceof SaslStep.Challenge);
        return step;
    }

    /** A client response that is not base64; stackless, its message is what the client gets. */
    protected static final class InvalidBase64 extends Exception {
        InvalidBase64() {
            super("Invalid base64 data", null, false, false);
        }
    }
}
