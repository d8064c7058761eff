package dev.postern.session;

import io.netty.channel.Channel;
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

    /** The backend (or a route source) said NO; {@code text} is the reply after the status, response code kept. */
    record Rejected(String text, List<String> untagged) implements LoginResult {
        public Rejected {
            untagged = List.copyOf(untagged);
        }

        public Rejected(String text) {
            this(text, List.of());
        }
    }
}
