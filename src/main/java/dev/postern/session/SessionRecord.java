package dev.postern.session;

import io.netty.util.AttributeKey;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * What is known of one client session as it goes, for its line in the session log and for whoever lists sessions:
 * who (the {@link SessionContext}), since when, its TLS, who logged in on which backend and how fast, bytes relayed
 * each way, and how it ended. Written by the session's own event loop, read from anywhere (hence volatile fields and
 * adders). Never holds a credential: the user is the login name as the client typed it.
 */
public final class SessionRecord {
    public static final AttributeKey<SessionRecord> KEY = AttributeKey.valueOf("postern.sessionRecord");

    private final SessionContext context;
    private final Instant since = Instant.now();
    private final long startNanos = System.nanoTime();
    private final LongAdder fromClient = new LongAdder();
    private final LongAdder toClient = new LongAdder();
    private final AtomicReference<String> end = new AtomicReference<>();
    private volatile long tlsStartNanos;
    private volatile String tlsProtocol;
    private volatile String tlsCipher;
    private volatile long handshakeMillis = -1;
    private volatile String user;
    private volatile String backend;
    private volatile long loginMillis = -1;

    public SessionRecord(SessionContext context) {
        this.context = context;
        this.tlsStartNanos = startNanos;
    }

    /** The channel's record; one made on the spot for a channel built without the front end's initializer (tests). */
    public static SessionRecord of(io.netty.channel.Channel channel) {
        SessionRecord record = channel.attr(KEY).get();
        if (record == null) {
            SessionContext context = channel.attr(SessionContext.KEY).get();
            SessionRecord fresh = new SessionRecord(context != null ? context : SessionContext.create("?", null, null));
            record = channel.attr(KEY).setIfAbsent(fresh);
            record = record == null ? fresh : record;
        }
        return record;
    }

    /** STARTTLS: the handshake's time counts from here, not from the connect. */
    public void tlsStarted() {
        tlsStartNanos = System.nanoTime();
    }

    public void tlsUp(String protocol, String cipher) {
        tlsProtocol = protocol;
        tlsCipher = cipher;
        handshakeMillis = (System.nanoTime() - tlsStartNanos) / 1_000_000;
    }

    public void loggedIn(String user, String backend, long loginMillis) {
        this.user = user;
        this.backend = backend;
        this.loginMillis = loginMillis;
    }

    /** Octets the client sent that went on to the backend (after TLS, relay phase). */
    public void fromClient(long octets) {
        fromClient.add(octets);
    }

    /** Octets the backend sent that went on to the client. */
    public void toClient(long octets) {
        toClient.add(octets);
    }

    /** How the session ended; the first reason given wins (a close caused by an earlier event says nothing new). */
    public void ending(String reason) {
        end.compareAndSet(null, reason);
    }

    public SessionContext context() {
        return context;
    }

    public Instant since() {
        return since;
    }

    public long ageMillis() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    public String tlsProtocol() {
        return tlsProtocol;
    }

    public String tlsCipher() {
        return tlsCipher;
    }

    /** -1 without TLS. */
    public long handshakeMillis() {
        return handshakeMillis;
    }

    /** Null until logged in. */
    public String user() {
        return user;
    }

    /** Null until logged in. */
    public String backend() {
        return backend;
    }

    /** -1 until logged in. */
    public long loginMillis() {
        return loginMillis;
    }

    public long bytesFromClient() {
        return fromClient.sum();
    }

    public long bytesToClient() {
        return toClient.sum();
    }

    /** Null while the session runs (and for a close nobody explained: the client's, before login). */
    public String end() {
        return end.get();
    }
}
