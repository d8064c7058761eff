package dev.postern.session;

import io.netty.channel.Channel;
import java.time.Duration;
import java.util.List;

/** How a backend answered the client's credentials; failures to get an answer complete the future exceptionally. */
public sealed interface LoginResult {

    /** Untagged status lines the backend sent while it answered (without {@code * }), for the client, in order. */
    List<String> untagged();

    /**
     * Logged in: the backend channel (AUTO_READ off, login handlers still in place for the hand-off to remove)
     * and its post-login capabilities, already stripped of pre-auth-only ones.
     */
    record LoggedIn(Channel backend, String backendName, List<String> capabilities, List<String> untagged)
            implements LoginResult {
        public LoggedIn {
            capabilities = List.copyOf(capabilities);
            untagged = List.copyOf(untagged);
        }

        public LoggedIn(Channel backend, String backendName, List<String> capabilities) {
            this(backend, backendName, capabilities, List.of());
        }
    }

    /**
     * The backend (or a route source) said NO; {@code text} is the reply after the status, response code kept.
     * {@code minDelay} is how long after the login command a route source asked the NO to wait (nginx's
     * {@code Auth-Wait}); the front end's failure delay applies too, the longer of the two.
     */
    record Rejected(String text, Duration minDelay, List<String> untagged) implements LoginResult {
        public Rejected {
            minDelay = minDelay == null || minDelay.isNegative() ? Duration.ZERO : minDelay;
            untagged = List.copyOf(untagged);
        }

        /** A NO with no wait and no notices of its own. */
        public Rejected(String text) {
            this(text, Duration.ZERO, List.of());
        }

        /** A route source's NO, which may ask for a wait. */
        public Rejected(String text, Duration minDelay) {
            this(text, minDelay, List.of());
        }

        /** A backend's NO, with the untagged lines it sent before. */
        public Rejected(String text, List<String> untagged) {
            this(text, Duration.ZERO, untagged);
        }

        /** {@code NO [UNAVAILABLE]} (RFC 5530): try again later; not a refused login, so not delayed or counted. */
        public boolean temporary() {
            return text.startsWith("[UNAVAILABLE]");
        }
    }
}
