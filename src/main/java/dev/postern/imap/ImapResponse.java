package dev.postern.imap;

/** One response line to the client, without its CRLF; written by {@link ImapResponseEncoder}. */
public record ImapResponse(String line) {

    public static ImapResponse tagged(String tag, String status, String text) {
        return new ImapResponse(tag + " " + status + " " + text);
    }

    public static ImapResponse untagged(String text) {
        return new ImapResponse("* " + text);
    }

    public static ImapResponse continuation(String text) {
        return new ImapResponse("+ " + text);
    }
}
