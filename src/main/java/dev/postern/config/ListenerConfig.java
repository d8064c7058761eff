package dev.postern.config;

import java.util.Objects;

/**
 * One client-facing listener.
 *
 * @param requireTls on a STARTTLS listener: advertise LOGINDISABLED and refuse logins until TLS is up
 */
public record ListenerConfig(String name, HostPort bind, TlsMode tls, boolean requireTls) {
    public ListenerConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(tls, "tls");
    }

    /** True when this listener ever needs a server certificate. */
    public boolean usesTls() {
        return tls != TlsMode.NONE;
    }
}
