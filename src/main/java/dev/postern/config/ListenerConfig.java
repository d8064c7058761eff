package dev.postern.config;

import java.util.Objects;

/**
 * One client-facing listener.
 *
 * @param requireTls on a STARTTLS listener: advertise LOGINDISABLED and refuse logins until TLS is up
 * @param alpn ALPN policy: a client offering ALPN without {@code imap} is always refused; {@code REQUIRED} also
 *             refuses clients that offer no ALPN at all
 */
public record ListenerConfig(String name, HostPort bind, TlsMode tls, boolean requireTls, Alpn alpn) {
    public ListenerConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(alpn, "alpn");
    }

    public ListenerConfig(String name, HostPort bind, TlsMode tls, boolean requireTls) {
        this(name, bind, tls, requireTls, Alpn.OPTIONAL);
    }

    /** True when this listener ever needs a server certificate. */
    public boolean usesTls() {
        return tls != TlsMode.NONE;
    }

    /** ALPN (RFC 7301) policy of a listener; the protocol id is IANA's {@code imap}. */
    public enum Alpn { OPTIONAL, REQUIRED }
}
