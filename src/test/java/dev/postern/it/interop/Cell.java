package dev.postern.it.interop;

import java.nio.file.Path;

/**
 * One matrix cell as a client sees it: where Postern listens, whose mailbox, the folder with a non-ASCII name, a
 * fresh working directory, and the probe that delivers a message to INBOX at the backend while the client idles.
 *
 * @param port Postern's listener
 * @param implicitTls true for the implicit-TLS listener, false for STARTTLS
 * @param certificate Postern's certificate (self-signed), for clients that must be told to trust it
 * @param folder the folder's full name as the user sees it (e.g. {@code Grüße}, {@code INBOX.Grüße})
 * @param folderUtf7 the same in IMAP's modified UTF-7, as it goes on the wire
 * @param appendSubject the Subject of the message the client appends to {@code folder}
 */
public record Cell(int port, boolean implicitTls, String user, String password, Path certificate, Path work,
                   String folder, String folderUtf7, String appendSubject, IdleProbe probe) {

    /** The Subject of the message the probe delivers. */
    public static final String PROBE_SUBJECT = "idle probe";

    /** Delivers one message to the user's INBOX behind the client's back, at the backend itself. */
    @FunctionalInterface
    public interface IdleProbe {
        void deliver() throws Exception;
    }

    /** The message the client appends: 7-bit headers, an 8-bit UTF-8 body. */
    public byte[] appendMessage() {
        return ("From: Interop <interop@postern.test>\r\nTo: Interop <interop@postern.test>\r\nSubject: "
                + appendSubject + "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + "Content-Transfer-Encoding: 8bit\r\n\r\nAngeh\u00e4ngt \u2014 \u00e7a marche.\r\n")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
