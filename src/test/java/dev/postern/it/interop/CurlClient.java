package dev.postern.it.interop;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.postern.testing.ClientProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * curl's IMAP: LIST (the root URL), each seeded message by UID into a file, an APPEND by upload to the folder with the
 * non-ASCII name. The credentials are in a config file, never on the command line.
 */
public final class CurlClient implements InteropClient {
    private static final String VERSION = Programs.version("curl ", Pattern.compile("^curl (\\S+)"), "curl",
            "--version");

    @Override
    public String name() {
        return "curl";
    }

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    public String steps() {
        return "login, list, select, fetch by UID, append; one connection per URL";
    }

    @Override
    public Fetched run(Cell cell) throws Exception {
        Path config = cell.work().resolve("curl.conf");
        Files.writeString(config, "user = \"" + cell.user() + ":" + cell.password().replace("\\", "\\\\")
                .replace("\"", "\\\"") + "\"\ninsecure\nsilent\nshow-error\n"
                + (cell.implicitTls() ? "" : "ssl-reqd\n"), StandardCharsets.UTF_8);
        String base = (cell.implicitTls() ? "imaps" : "imap") + "://127.0.0.1:" + cell.port() + "/";
        String folder = cell.folderUtf7().replace("&", "%26");
        ClientProcess.Result list = Programs.ok(cell, List.of("curl", "--config", config.toString(), base), Map.of());
        assertTrue(list.stdout().contains(cell.folderUtf7()), list::describe);
        List<byte[]> messages = new ArrayList<>();
        for (String url : List.of("INBOX;UID=1", "INBOX;UID=2", folder + ";UID=1")) {
            Path out = cell.work().resolve("curl-" + messages.size() + ".eml");
            Programs.ok(cell, List.of("curl", "--config", config.toString(), "-o", out.toString(), base + url),
                    Map.of());
            messages.add(Files.readAllBytes(out));
        }
        Path upload = cell.work().resolve("curl-append.eml");
        Files.write(upload, cell.appendMessage());
        Programs.ok(cell, List.of("curl", "--config", config.toString(), "-T", upload.toString(), base + folder),
                Map.of());
        return new Fetched(messages, false, false);
    }
}
