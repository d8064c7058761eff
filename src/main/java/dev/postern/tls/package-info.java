/**
 * Server-side TLS (RFC 8314 implicit TLS, RFC 2595 STARTTLS): SslContexts on BoringSSL through netty-tcnative
 * with a JDK fallback, and the self-signed certificate of the out-of-the-box config.
 */
package dev.postern.tls;
