package dev.postern.frontend;

import dev.postern.auth.SaslMechanism;
import dev.postern.auth.SaslMechanisms;
import dev.postern.config.TlsMode;
import dev.postern.imap.Capabilities;
import dev.postern.imap.CommandFrame;
import dev.postern.imap.CommandParser;
import dev.postern.imap.Credentials;
import dev.postern.imap.FramerEvent;
import dev.postern.imap.IdArguments;
import dev.postern.imap.ImapArg;
import dev.postern.imap.ImapCommand;
import dev.postern.imap.ImapCommandFramer;
import dev.postern.imap.ImapResponse;
import dev.postern.imap.ImapSyntaxException;
import dev.postern.session.PipelineNames;
import dev.postern.session.SessionRecord;
import dev.postern.session.RateLimitedLog.Reason;
import dev.postern.session.RateLimitedLog;
import io.netty.channel.ChannelHandlerContext;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one pre-auth command. CAPABILITY, NOOP, ID, STARTTLS and the commands not allowed yet are answered here;
 * LOGOUT, LOGIN and AUTHENTICATE, once their arguments are checked, go to the {@link PreAuthHandler}, which owns
 * the session's state. Also knows whether TLS is up, and so what is offered (RFC 2595: no login before TLS on a
 * listener that requires it).
 */
final class PreAuthCommands {
    private static final Logger LOG = LoggerFactory.getLogger(PreAuthCommands.class);

    /** Authenticated- and selected-state commands: a clearer reply than "unknown". */
    private static final Set<String> NEEDS_LOGIN = Set.of("SELECT", "EXAMINE", "CREATE", "DELETE", "RENAME",
            "SUBSCRIBE", "UNSUBSCRIBE", "LIST", "LSUB", "NAMESPACE", "STATUS", "APPEND", "IDLE", "CHECK", "CLOSE",
            "UNSELECT", "EXPUNGE", "SEARCH", "FETCH", "STORE", "COPY", "MOVE", "UID", "ENABLE", "GETQUOTA",
            "GETQUOTAROOT", "SETQUOTA", "GETACL", "SETACL", "MYRIGHTS", "LISTRIGHTS", "GETMETADATA", "SETMETADATA",
            "COMPRESS", "NOTIFY", "SORT", "THREAD", "ESEARCH");

    private final PreAuthHandler session;
    private final ChannelHandlerContext ctx;
    private final FrontendSettings settings;
    private final ImapCommandFramer framer;
    private final PreAuthReplies replies;
    private final SaslMechanisms mechanisms;
    private final String sessionId;
    private boolean tlsActive;
    private int commands;

    PreAuthCommands(PreAuthHandler session, ChannelHandlerContext ctx, FrontendSettings settings,
                    ImapCommandFramer framer, PreAuthReplies replies, SaslMechanisms mechanisms, String sessionId) {
        this.session = session;
        this.ctx = ctx;
        this.settings = settings;
        this.framer = framer;
        this.replies = replies;
        this.mechanisms = mechanisms;
        this.sessionId = sessionId;
        this.tlsActive = settings.listener().tls() == TlsMode.IMPLICIT;
    }

    ImapResponse greeting() {
        return ImapResponse.untagged("OK [CAPABILITY " + capabilities() + "] " + settings.greeting());
    }

    void run(CommandFrame frame) {
        if (++commands > settings.limits().maxCommands()) {
            replies.taggedNoFlush(tagOrStar(frame), "NO", "[LIMIT] Too many commands before login");
            session.closeAtLimit("max_commands", "Too many commands, disconnecting");
            return;
        }
        ImapCommand command;
        try {
            command = CommandParser.parse(frame);
        } catch (ImapSyntaxException e) {
            replies.bad(e.tag(), "Error in IMAP command: " + e.getMessage());
            return;
        }
        try {
            run(command);
        } finally {
            command.wipe();
        }
    }

    private void run(ImapCommand command) {
        String tag = command.tag();
        switch (command.name()) {
            case "CAPABILITY" -> {
                if (noArgs(command)) {
                    replies.untagged("CAPABILITY " + capabilities());
                    replies.tagged(tag, "OK", "Capability completed.");
                }
            }
            case "NOOP" -> {
                if (noArgs(command)) {
                    replies.tagged(tag, "OK", "NOOP completed.");
                }
            }
            case "LOGOUT" -> {
                if (noArgs(command)) {
                    session.logout(tag);
                }
            }
            case "ID" -> onId(command);
            case "STARTTLS" -> onStartTls(command);
            case "LOGIN" -> onLogin(command);
            case "AUTHENTICATE" -> onAuthenticate(command);
            default -> replies.bad(tag, NEEDS_LOGIN.contains(command.name())
                    ? "Command not permitted before login" : "Unknown command " + printable(command.name()));
        }
    }

    /**
     * A synchronizing literal was announced. Before STARTTLS on a TLS-only listener a literal can only be a
     * credential on its way in the clear: never invite it (no pre-auth command needs one there).
     */
    void literalAnnounced(FramerEvent.LiteralAnnounced announced) {
        if (loginAllowed()) {
            replies.continuation("Ready for literal data");
            return;
        }
        framer.rejectAnnouncedLiteral();
        replies.refused(announced.tag(), "[PRIVACYREQUIRED] Literals are not accepted before STARTTLS");
    }

    private boolean noArgs(ImapCommand command) {
        if (command.args().isEmpty()) {
            return true;
        }
        replies.bad(command.tag(), command.name() + " takes no arguments");
        return false;
    }

    private void onId(ImapCommand command) {
        String error = IdArguments.validate(command.args());
        if (error != null) {
            replies.bad(command.tag(), error);
            return;
        }
        session.clientSentId(IdArguments.fields(command.args()));
        replies.untagged("ID NIL");
        replies.tagged(command.tag(), "OK", "ID completed.");
    }

    /**
     * RFC 2595 / RFC 9051 6.2.1. The TLS handler goes in first, then the OK is written (in plaintext, the
     * handler's startTls flag); every byte the client sent after the STARTTLS line is thrown away, and whatever
     * it sends before its ClientHello fails the handshake: no plaintext command survives the upgrade.
     */
    private void onStartTls(ImapCommand command) {
        if (settings.listener().tls() != TlsMode.STARTTLS || tlsActive) {
            replies.bad(command.tag(), tlsActive ? "TLS is already active" : "STARTTLS is not available here");
            return;
        }
        if (!noArgs(command)) {
            return;
        }
        int dropped = framer.discardBuffered();
        if (dropped > 0) {
            if (RateLimitedLog.FAILURES.admit(Reason.PROTOCOL_VIOLATION)) {
                LOG.info("[{}] discarded {} octets sent after STARTTLS before the TLS handshake", sessionId, dropped);
            }
            settings.metrics().limitHit("starttls_injection");
        }
        SessionRecord.of(ctx.channel()).tlsStarted();
        ctx.pipeline().addFirst(PipelineNames.TLS,
                settings.tls().newClientHelloHandler(settings.listener(), settings.metrics()));
        tlsActive = true;
        replies.tagged(command.tag(), "OK", "Begin TLS negotiation now");
    }

    private void onLogin(ImapCommand command) {
        if (refuseWithoutTls(command.tag())) {
            return;
        }
        List<ImapArg> args = command.args();
        byte[] user = args.size() == 2 ? args.get(0).astringBytes() : null;
        byte[] password = args.size() == 2 ? args.get(1).astringBytes() : null;
        if (user == null || password == null) {
            replies.bad(command.tag(), "LOGIN expects a user name and a password");
            return;
        }
        session.login(command.tag(), new Credentials(user, password));
    }

    private void onAuthenticate(ImapCommand command) {
        if (refuseWithoutTls(command.tag())) {
            return;
        }
        List<ImapArg> args = command.args();
        if (args.isEmpty() || args.size() > 2 || !(args.get(0) instanceof ImapArg.Atom name)) {
            replies.bad(command.tag(), "AUTHENTICATE expects a mechanism and an optional initial response");
            return;
        }
        SaslMechanism mechanism = mechanisms.find(name.value(), loginAllowed());
        if (mechanism == null) {
            replies.refused(command.tag(), "Unsupported authentication mechanism");
            return;
        }
        byte[] initial = null;
        if (args.size() == 2) {
            initial = args.get(1).astringBytes();
            if (initial == null) {
                replies.bad(command.tag(), "Invalid initial response");
                return;
            }
        }
        session.authenticate(command.tag(), mechanism.newExchange(), initial);
    }

    private boolean refuseWithoutTls(String tag) {
        if (loginAllowed()) {
            return false;
        }
        replies.refused(tag, "[PRIVACYREQUIRED] Plaintext authentication disallowed, use STARTTLS first");
        return true;
    }

    private boolean loginAllowed() {
        return tlsActive || !settings.listener().requireTls();
    }

    private String capabilities() {
        boolean startTls = settings.listener().tls() == TlsMode.STARTTLS && !tlsActive;
        boolean login = loginAllowed();
        return Capabilities.preAuth(startTls, login, mechanisms.offered(login));
    }

    private static String tagOrStar(CommandFrame frame) {
        try {
            return CommandParser.parse(frame).tag();
        } catch (ImapSyntaxException e) {
            return e.tag();
        }
    }

    /** A command name for a reply: only letters, digits and dashes, at most 32, so nothing odd is echoed. */
    private static String printable(String name) {
        String clean = name.length() > 32 ? name.substring(0, 32) : name;
        return new String(clean.getBytes(StandardCharsets.US_ASCII), StandardCharsets.US_ASCII);
    }
}
