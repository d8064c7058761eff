package dev.postern.tls;

import java.lang.reflect.Method;
import javax.net.ssl.SSLEngine;

/**
 * Whether a completed handshake resumed a session. BoringSSL knows ({@code SSL_session_reused}); Netty keeps that
 * accessor package-private, so it is reached once by reflection. The JDK engine has no such API: unknown there.
 */
public final class TlsSessions {
    private static final Method REUSED = find();

    private TlsSessions() {
    }

    private static Method find() {
        try {
            // Not initialised here: the class's static initialiser calls into netty-tcnative, which is not loaded
            // when only the JDK provider is in use (an UnsatisfiedLinkError would then fail every handshake).
            Class<?> engine = Class.forName("io.netty.handler.ssl.ReferenceCountedOpenSslEngine", false,
                    TlsSessions.class.getClassLoader());
            Method m = engine.getDeclaredMethod("isSessionReused");
            m.setAccessible(true);
            return m;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return null;
        }
    }

    /** TRUE or FALSE for BoringSSL engines, null when the engine cannot tell. */
    public static Boolean resumed(SSLEngine engine) {
        if (REUSED == null || !REUSED.getDeclaringClass().isInstance(engine)) {
            return null;
        }
        try {
            return (Boolean) REUSED.invoke(engine);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
