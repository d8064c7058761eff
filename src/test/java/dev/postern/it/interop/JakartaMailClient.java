package dev.postern.it.interop;

import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.UIDFolder;
import jakarta.mail.event.MessageCountAdapter;
import jakarta.mail.event.MessageCountEvent;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.angus.mail.imap.IMAPFolder;

/**
 * Jakarta Mail (Eclipse Angus): login, LIST, SELECT, the seeded messages by UID, APPEND to the folder with the
 * non-ASCII name (Angus encodes it), IDLE on INBOX until the probe's message arrives, LOGOUT.
 */
public final class JakartaMailClient implements InteropClient {
    @Override
    public String name() {
        return "jakarta";
    }

    @Override
    public String version() {
        try (var in = Session.class.getClassLoader()
                .getResourceAsStream("META-INF/maven/org.eclipse.angus/angus-mail/pom.properties")) {
            Properties p = new Properties();
            p.load(in);
            return "Jakarta Mail (Angus Mail " + p.getProperty("version") + ")";
        } catch (Exception e) {
            return "Jakarta Mail (Angus Mail ?)";
        }
    }

    @Override
    public String steps() {
        return "login, list, select, fetch by UID, append, IDLE, logout";
    }

    @Override
    public boolean idles() {
        return true;
    }

    @Override
    public Fetched run(Cell cell) throws Exception {
        String protocol = cell.implicitTls() ? "imaps" : "imap";
        String p = "mail." + protocol + ".";
        Properties props = new Properties();
        props.setProperty(p + "ssl.trust", "*");
        props.setProperty(p + "ssl.checkserveridentity", "false");
        props.setProperty(p + "timeout", "30000");
        if (!cell.implicitTls()) {
            props.setProperty(p + "starttls.enable", "true");
            props.setProperty(p + "starttls.required", "true");
        }
        props.setProperty("mail.mime.allowutf8", "true");
        Session session = Session.getInstance(props);
        Store store = session.getStore(protocol);
        store.connect("127.0.0.1", cell.port(), cell.user(), cell.password());
        try {
            List<String> names = Arrays.stream(store.getDefaultFolder().list("*")).map(Folder::getFullName).toList();
            assertTrue(names.contains(cell.folder()), names::toString);
            List<byte[]> messages = new ArrayList<>();
            IMAPFolder inbox = (IMAPFolder) store.getFolder("INBOX");
            inbox.open(Folder.READ_WRITE);
            messages.add(raw(inbox, 1));
            messages.add(raw(inbox, 2));
            Folder folder = store.getFolder(cell.folder());
            folder.open(Folder.READ_WRITE);
            messages.add(raw((UIDFolder) folder, 1));
            folder.appendMessages(new Message[] {new MimeMessage(session,
                    new ByteArrayInputStream(cell.appendMessage()))});
            folder.close(false);
            return new Fetched(messages, false, idle(inbox, cell));
        } finally {
            store.close();
        }
    }

    private static byte[] raw(UIDFolder folder, long uid) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        folder.getMessageByUID(uid).writeTo(out);
        return out.toByteArray();
    }

    /** IDLE in another thread (idle(true) returns after the first notification) while the probe delivers. */
    private static boolean idle(IMAPFolder inbox, Cell cell) throws Exception {
        CountDownLatch arrived = new CountDownLatch(1);
        inbox.addMessageCountListener(new MessageCountAdapter() {
            @Override
            public void messagesAdded(MessageCountEvent e) {
                arrived.countDown();
            }
        });
        CompletableFuture<Void> idling = CompletableFuture.runAsync(() -> {
            try {
                inbox.idle(true);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        cell.probe().deliver();
        boolean seen = arrived.await(30, TimeUnit.SECONDS);
        idling.get(30, TimeUnit.SECONDS);
        inbox.close(false);
        return seen;
    }
}
