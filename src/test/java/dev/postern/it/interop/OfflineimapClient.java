package dev.postern.it.interop;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * offlineimap3: one-shot sync of every folder to a local Maildir (LIST, SELECT, FETCH), then a message dropped into
 * the local copy of the folder with the non-ASCII name goes up by APPEND on a second sync. Postern's certificate is
 * the CA file (offlineimap checks the host name against the certificate's DNS names only, so it connects to
 * localhost); the password comes from a file. (offlineimap IDLEs only in its long-running autorefresh mode.)
 */
public final class OfflineimapClient implements InteropClient {
    private static final String VERSION = Programs.version("offlineimap3 ",
            Pattern.compile("(?m)^(?:OfflineIMAP )?v?(\\d+\\.\\d+\\.\\d+\\S*)"), "offlineimap", "--version");

    @Override
    public String name() {
        return "offlineimap";
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
        Path rc = cell.work().resolve("offlineimaprc");
        Files.writeString(rc, "[general]\naccounts = postern\nmetadata = " + cell.work().resolve("meta")
                + "\n\n[Account postern]\nlocalrepository = local\nremoterepository = remote\n\n"
                + "[Repository local]\ntype = Maildir\nlocalfolders = " + maildir + "\n\n"
                + "[Repository remote]\ntype = IMAP\nremotehost = localhost\nremoteport = " + cell.port()
                + "\nremoteuser = " + cell.user() + "\nremotepassfile = " + pass + "\nssl = "
                + (cell.implicitTls() ? "yes" : "no") + "\nstarttls = " + (cell.implicitTls() ? "no" : "yes")
                + "\nsslcacertfile = " + cell.certificate() + "\nmaxconnections = 1\n", StandardCharsets.UTF_8);
        Map<String, String> env = Map.of("HOME", cell.work().toString());
        List<String> command = List.of("offlineimap", "-c", rc.toString(), "-o", "-u", "basic");
        Programs.ok(cell, command, env);
        List<byte[]> messages = Programs.maildirMessages(maildir);
        Path local;
        try (var dirs = Files.list(maildir)) {
            local = dirs.filter(d -> !d.getFileName().toString().equals("INBOX")).findFirst()
                    .orElseThrow(() -> new AssertionError("offlineimap made no local folder for " + cell.folder()));
        }
        Programs.dropIntoMaildir(local, cell.appendMessage());
        Programs.ok(cell, command, env);
        return new Fetched(messages, true, false);
    }
}
