package dev.postern.it.interop;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Python's imaplib: login (UTF-8 credentials), LIST, SELECT, FETCH BODY.PEEK[] of the seeded messages, APPEND to the
 * folder with the non-ASCII name, LOGOUT. (imaplib has IDLE only from Python 3.14.)
 */
public final class ImaplibClient implements InteropClient {
    private static final String VERSION = Programs.version("Python imaplib ", Pattern.compile("Python (\\S+)"),
            "python3", "--version");
    private static final String SCRIPT = """
            import imaplib, os, ssl
            env = os.environ
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            if env['MODE'] == 'implicit':
                m = imaplib.IMAP4_SSL('127.0.0.1', int(env['PORT']), ssl_context=ctx)
            else:
                m = imaplib.IMAP4('127.0.0.1', int(env['PORT']))
                m.starttls(ssl_context=ctx)
            m._encoding = 'utf-8'
            typ, _ = m.login(env['IMAP_USER'], env['IMAP_PASSWORD'])
            assert typ == 'OK', typ
            folder = '"' + env['FOLDER'] + '"'
            typ, boxes = m.list()
            assert typ == 'OK' and any(env['FOLDER'].encode() in b for b in boxes), boxes
            n = 0
            for box, uids in (('INBOX', ('1', '2')), (folder, ('1',))):
                typ, _ = m.select(box)
                assert typ == 'OK', typ
                for uid in uids:
                    typ, data = m.uid('FETCH', uid, '(BODY.PEEK[])')
                    assert typ == 'OK', typ
                    with open(os.path.join(env['OUT'], 'm%d' % n), 'wb') as f:
                        f.write(data[0][1])
                    n += 1
            with open(env['APPEND'], 'rb') as f:
                typ, _ = m.append(folder, None, None, f.read())
            assert typ == 'OK', typ
            typ, _ = m.logout()
            assert typ == 'BYE', typ
            """;

    @Override
    public String name() {
        return "imaplib";
    }

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    public String steps() {
        return "login, list, select, fetch, append, logout";
    }

    @Override
    public Fetched run(Cell cell) throws Exception {
        Path script = cell.work().resolve("interop_imaplib.py");
        Files.writeString(script, SCRIPT, StandardCharsets.UTF_8);
        Path append = cell.work().resolve("append.eml");
        Files.write(append, cell.appendMessage());
        Path out = Files.createDirectory(cell.work().resolve("imaplib"));
        Programs.ok(cell, List.of("python3", script.toString()), Map.of("PORT", Integer.toString(cell.port()),
                "MODE", cell.implicitTls() ? "implicit" : "starttls", "IMAP_USER", cell.user(),
                "IMAP_PASSWORD", cell.password(), "FOLDER", cell.folderUtf7(), "OUT", out.toString(),
                "APPEND", append.toString()));
        List<byte[]> messages = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            messages.add(Files.readAllBytes(out.resolve("m" + i)));
        }
        return new Fetched(messages, false, false);
    }
}
