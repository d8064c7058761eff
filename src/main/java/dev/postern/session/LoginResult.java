package dev.postern.session;

import io.netty.channel.Channel;
import java.time.Duration;
import java.util.List;

/** How a backend answered the client's credentials; failures to get an answer complete the future exceptionally. */
public sealed interface LoginResult {

    /**
     * Logged in: the backend channel (AUTO_READ off, login handlers still in place for the hand-off to remove)
     * and its post-login capabilities, already stripped of pre-auth-only ones.
     */
    record LoggedIn(Channel backend, String backendName, List<String> capabilities) implements LoginResult {
        public LoggedIn {
            capabilities = List.copyOf(capabilities);
        }
    }

    /**
     * The backend (or a route source) said NO; {@code text} is the reply after the status, response code kept.
     * {@code minDelay} is how long after the login command a route source asked the NO to wait (nginx's
     * {@code Auth-Wait}); the front end's failure delay applies too, the longer of the two.
     */
    record Rejected(String text, Duration minDelay) implements LoginResult {
        public Rejected {
            minDelay = minDelay == null || minDelay.isNegative() ? Duration.ZERO : minDelay;
        }

        /** A NO with no wait of its own (a backend's). */
        public Rejected(String text) {
            this(text, Duration.ZERO);
        }

        /** {@code NO [UNAVAILABLE]} (RFC 5530): try again later; not a refused login, so not delayed or counted. */
        public boolean temporary() {
            return text.startsWith("[UNAVAILABLE]");
        }
    }
}
