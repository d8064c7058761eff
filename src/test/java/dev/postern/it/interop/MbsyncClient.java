package dev.postern.it.interop;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * mbsync (isync): syncs every folder to a local Maildir (LIST, SELECT, FETCH), then a message dropped into the
 * local copy of the folder with the non-ASCII name goes back up by APPEND on a second sync. Postern's self-signed
 * certificate is given as the one to trust; the password comes from a file through PassCmd. mbsync does not IDLE.
 */
public final class MbsyncClient implements InteropClient {
    private static final String VERSION = Programs.version("isync ", Pattern.compile("isync (\\S+)"), "mbsync",
            "--version");

    @Override
    public String name() {
        return "mbsync";
    }

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    public String steps() {
        return "login, list, select, fetch into a Maildir, append from it, logout";
    }

    @Override
    public Fetched run(Cell cell) throws Exception {
        Path pass = Programs.privateFile(cell, "pass", cell.password());
        Path maildir = Files.createDirectory(cell.work().resolve("mail"));
        Path rc = cell.work().resolve("mbsyncrc");
        Files.writeString(rc, "IMAPAccount postern\nHost 127.0.0.1\nPort " + cell.port() + "\nUser " + cell.user()
                + "\nPassCmd \"cat " + pass + "\"\nSSLType " + (cell.implicitTls() ? "IMAPS" : "STARTTLS")
                + "\nCertificateFile " + cell.certificate() + "\n\nIMAPStore remote\nAccount postern\n\n"
                + "MaildirStore local\nPath " + maildir + "/\nInbox " + maildir + "/INBOX\nSubFolders Verbatim\n\n"
                + "Channel sync\nFar :remote:\nNear :local:\nPatterns *\nCreate Both\nSyncState *\n",
                StandardCharsets.UTF_8);
        Map<String, String> env = Map.of("HOME", cell.work().toString());
        Programs.ok(cell, List.of("mbsync", "-c", rc.toString(), "-a"), env);
        // mbsync marks each message it stores in a Maildir with an X-TUID header (its own bookkeeping): not part of
        // what the server sent
        List<byte[]> messages = Programs.maildirMessages(maildir).stream().map(MbsyncClient::withoutTuid).toList();
        Programs.dropIntoMaildir(localFolder(maildir, cell), cell.appendMessage());
        Programs.ok(cell, List.of("mbsync", "-c", rc.toString(), "-a"), env);
        return new Fetched(messages, true, false);
    }

    private static byte[] withoutTuid(byte[] message) {
        String text = new String(message, StandardCharsets.ISO_8859_1);
        return text.replaceFirst("(?m)^X-TUID: [^\n]*\n", "").getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The local Maildir mbsync made for the folder: named as on the server (modified UTF-7), "/" as separator. */
    private static Path localFolder(Path maildir, Cell cell) throws Exception {
        try (var dirs = Files.walk(maildir)) {
            String leaf = cell.folderUtf7().substring(cell.folderUtf7().lastIndexOf('.') + 1);
            String unicodeLeaf = cell.folder().substring(cell.folder().lastIndexOf('.') + 1);
            return dirs.filter(Files::isDirectory).filter(d -> d.getFileName().toString().equals(leaf)
                    || d.getFileName().toString().equals(unicodeLeaf)).findFirst()
                    .orElseThrow(() -> new AssertionError("mbsync made no local folder for " + cell.folder()));
        }
    }
}
