package dev.postern.route;

import java.net.InetSocketAddress;

/**
 * One route lookup: the normalised login key (what every source is asked, what the cache keeps the answer under,
 * what rendezvous hashing uses) and, for sources configured to receive it, the password. There is no "name as
 * typed" here on purpose: a source that saw another spelling than the cache key could cache its answer for
 * somebody else. {@link #toString()} never shows the password.
 *
 * @param password null unless a source needs it; a refresh in the background never has it
 * @param client the client's address, or null (a background refresh)
 * @param attempt 1 for the first login on a connection, 2 after one failure...
 * @param method the client's mechanism as auth_http names it (plain, login, xoauth2, oauthbearer); the password is
 *               a bearer token for the last two
 * @param secure whether the client is on TLS
 */
public record LookupRequest(String loginKey, byte[] password, InetSocketAddress client, int attempt, String method,
                            boolean secure) {

    public LookupRequest(String loginKey, byte[] password, InetSocketAddress client, int attempt) {
        this(loginKey, password, client, attempt, "plain", false);
    }

    /** A background refresh: no password, no client. */
    public static LookupRequest refresh(String loginKey) {
        return new LookupRequest(loginKey, null, null, 1);
    }

    @Override
    public String toString() {
        return "LookupRequest[" + loginKey + ", attempt " + attempt + "]";
    }
}
