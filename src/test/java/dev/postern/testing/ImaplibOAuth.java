package dev.postern.testing;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Python's imaplib logging in with {@code authenticate('XOAUTH2' | 'OAUTHBEARER', ...)} over implicit TLS, then
 * SELECT INBOX. It prints {@code OK <messages in INBOX>}, or {@code REFUSED <imaplib's error> <the challenges after
 * the first>} (where the RFC 7628 error JSON shows). An empty user makes an OAUTHBEARER message without authzid.
 * The token goes in through the environment; the test checks the output does not hold it.
 */
public final class ImaplibOAuth {
    private static final Duration TIMEOUT = Duration.ofSeconds(40);
    private static final String SCRIPT = """
            import base64, imaplib, os, ssl, sys
            env = os.environ
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            m = imaplib.IMAP4_SSL(env['HOST'], int(env['PORT']), ssl_context=ctx)
            user, token, mech = env['OAUTH_USER'], env['OAUTH_TOKEN'], env['MECH']
            if mech == 'XOAUTH2':
                message = 'user=%s\\x01auth=Bearer %s\\x01\\x01' % (user, token)
            else:
                message = 'n,%s,\\x01auth=Bearer %s\\x01\\x01' % ('a=' + user if user else '', token)
            challenges = []
            def answer(challenge):
                challenges.append(challenge)
                return message if len(challenges) == 1 else ('\\x01' if mech == 'OAUTHBEARER' else '')
            try:
                m.authenticate(mech, answer)
            except imaplib.IMAP4.error as e:
                print('REFUSED %s %s' % (e, challenges[1:]))
                sys.exit(0)
            typ, data = m.select('INBOX')
            print('OK %s' % data[0].decode())
            m.logout()
            """;

    private ImaplibOAuth() {
    }

    /** Runs the client against {@code port} on 127.0.0.1; fails the test when it prints the token. */
    public static ClientProcess.Result login(Path folder, int port, String mechanism, String user, String token)
            throws Exception {
        Path script = folder.resolve("imaplib_oauth.py");
        if (!Files.exists(script)) {
            Files.writeString(script, SCRIPT, StandardCharsets.UTF_8);
        }
        ClientProcess.Result result = ClientProcess.run(folder, List.of("python3", script.toString()), Map.of(
                "HOST", "127.0.0.1", "PORT", Integer.toString(port), "MECH", mechanism, "OAUTH_USER", user,
                "OAUTH_TOKEN", token), TIMEOUT);
        if (!result.keeps(token)) {
            throw new AssertionError("the client printed the token");
        }
        return result;
    }
}
