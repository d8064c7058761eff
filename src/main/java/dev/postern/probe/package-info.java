/**
 * {@code postern probe}: connects to IMAP servers the way a mail client would and says what it found and what is
 * wrong (closed or filtered ports, TLS spoken where plaintext is expected and the reverse, certificates, plaintext
 * logins before TLS). A command-line tool: blocking JDK sockets, nothing of the proxy's event loops.
 */
package dev.postern.probe;
