package dev.postern.imap;

/** A command that frames but does not parse; {@code tag} is "*" when even the tag is unusable. */
public final class ImapSyntaxException extends Exception {
    private final String tag;

    public ImapSyntaxException(String tag, String message) {
        super(message, null, false, false);
        this.tag = tag;
    }

    public String tag() {
        return tag;
    }
}
