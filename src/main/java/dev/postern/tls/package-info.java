/**
 * Server-side TLS (RFC 8314 implicit TLS, RFC 2595 STARTTLS): SslContexts on BoringSSL through netty-tcnative
 * with a JDK fallback, and the self-signed certificate of the out-of-the-box config; and the per-pool client
 * contexts for TLS to the backends (CA and RFC 7817 name checks, or SHA-256 pinning).
 */
package dev.postern.tls;
