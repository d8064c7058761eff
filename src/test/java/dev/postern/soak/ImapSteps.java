package dev.postern.soak;

import dev.postern.soak.SoakTally.UnexpectedReply;
import dev.postern.testing.RawImapClient;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** The IMAP exchanges a soak session is made of, over a blocking test client; a wrong reply throws. */
final class ImapSteps {
    private static final Pattern APPENDUID = Pattern.compile("\\[APPENDUID \\d+ (\\d+)]");
    private static final Pattern LITERAL = Pattern.compile("\\{(\\d+)}$");

    private ImapSteps() {
    }

    /** The greeting, then LOGIN: the tagged reply (OK or NO), for the caller to judge. */
    static String login(RawImapClient c, String user, String password) throws IOException {
        String greeting = c.readLine();
        if (!greeting.startsWith("* OK")) {
            throw new UnexpectedReply("greeting: " + greeting);
        }
        return RawImapClient.tagged(c.command("l", "LOGIN " + user + " " + password));
    }

    static void ok(RawImapClient c, String tag, String command) throws IOException {
        String reply = RawImapClient.tagged(c.command(tag, command));
        if (!reply.startsWith(tag + " OK")) {
            throw new UnexpectedReply(command.split(" ")[0] + ": " + reply);
        }
    }

    /** APPEND with a synchronizing literal; the UID the server gave it. */
    static long append(RawImapClient c, byte[] message) throws IOException {
        c.send("a APPEND INBOX {" + message.length + "}\r\n");
        String go = c.readLine();
        if (!go.startsWith("+")) {
            throw new UnexpectedReply("APPEND continuation: " + go);
        }
        c.sendBytes(message);
        c.send("\r\n");
        String reply = RawImapClient.tagged(c.readUntilTagged("a"));
        Matcher uid = APPENDUID.matcher(reply);
        if (!reply.startsWith("a OK") || !uid.find()) {
            throw new UnexpectedReply("APPEND: " + reply);
        }
        return Long.parseLong(uid.group(1));
    }

    /** The whole message with this UID, or null when the mailbox has none. */
    static byte[] fetch(RawImapClient c, long uid) throws IOException {
        c.send("f UID FETCH " + uid + " (BODY.PEEK[])\r\n");
        byte[] body = null;
        while (true) {
            String line = c.readLine();
            if (line.startsWith("f ")) {
                if (!line.startsWith("f OK")) {
                    throw new UnexpectedReply("FETCH: " + line);
                }
                return body;
            }
            Matcher literal = LITERAL.matcher(line);
            if (line.startsWith("* ") && line.contains(" FETCH ") && literal.find()) {
                body = c.readBytes(Integer.parseInt(literal.group(1)));
                String rest = c.readLine();
                if (!rest.endsWith(")")) {
                    throw new UnexpectedReply("FETCH after the literal: " + rest);
                }
            }
        }
    }

    /** Flags these UIDs deleted and expunges exactly them (UIDPLUS). */
    static void expunge(RawImapClient c, Collection<Long> uids) throws IOException {
        String set = uids.stream().map(String::valueOf).collect(Collectors.joining(","));
        ok(c, "d", "UID STORE " + set + " +FLAGS.SILENT (\\Deleted)");
        ok(c, "e", "UID EXPUNGE " + set);
    }

    /** IDLE for about {@code millis}, then DONE. */
    static void idle(RawImapClient c, long millis) throws IOException, InterruptedException {
        c.send("i IDLE\r\n");
        String go = c.readLine();
        if (!go.startsWith("+")) {
            throw new UnexpectedReply("IDLE continuation: " + go);
        }
        Thread.sleep(millis); // the shape of the load: a client idling briefly, not a wait for a result
        c.send("DONE\r\n");
        List<String> replies = c.readUntilTagged("i");
        if (!RawImapClient.tagged(replies).startsWith("i OK")) {
            throw new UnexpectedReply("IDLE: " + RawImapClient.tagged(replies));
        }
    }
}
