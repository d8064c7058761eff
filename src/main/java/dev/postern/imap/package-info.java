/**
 * Pure IMAP protocol pieces: command framing (lines and every literal form of RFC 9051 / RFC 7888), command
 * parsing, responses, capabilities, quoting and SASL PLAIN (RFC 4616). No I/O and no Netty pipeline knowledge
 * beyond buffers and the decoder base class.
 */
package dev.postern.imap;
