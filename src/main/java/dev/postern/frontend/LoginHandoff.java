package dev.postern.frontend;

import dev.postern.imap.ImapResponse;
import dev.postern.relay.Handoff;
import dev.postern.relay.OutputShutdown;
import dev.postern.session.LoginResult;
import dev.postern.session.PipelineNames;
import dev.postern.session.SessionRecord;
import io.netty.channel.ChannelHandlerContext;

/**
 * The end of pre-auth after a backend said OK: the client gets the backend's untagged status lines from the login,
 * then its tagged OK with the backend's post-login capabilities, then the relay takes both channels over (and resumes reading both), with every byte the client
 * pipelined behind its login flowing on to the backend in order.
 */
final class LoginHandoff {
    private LoginHandoff() {
    }

    static void start(ChannelHandlerContext ctx, FrontendSettings settings, String sessionId, String tag,
                      LoginResult.LoggedIn in, boolean clientInputShut) {
        // What the backend said while it logged us in (an ALERT, say) comes first, as it would without a proxy.
        in.untagged().forEach(line -> ctx.write(ImapResponse.untagged(line)));
        ctx.writeAndFlush(ImapResponse.tagged(tag, "OK",
                "[CAPABILITY " + String.join(" ", in.capabilities()) + "] Logged in"));
        settings.metrics().relayStarted();
        ctx.channel().closeFuture().addListener(f -> settings.metrics().relayEnded());
        Handoff.start(ctx.channel(), PipelineNames.FRONT_LOGIN_PHASE, in.backend(), PipelineNames.BACKEND_LOGIN_PHASE,
                settings.timeouts().postLoginIdle(), sessionId, SessionRecord.of(ctx.channel()),
                settings.metrics());
        if (clientInputShut) {
            // After what the client pipelined has been written (shutting output drops unflushed data), and with a
            // close_notify first on a TLS backend.
            OutputShutdown.shutdown(in.backend());
        }
    }
}
