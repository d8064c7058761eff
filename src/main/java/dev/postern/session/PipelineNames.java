package dev.postern.session;

/**
 * Every handler name, in one place. The pipelines, in order:
 * <pre>
 * front, from a load balancer named in listeners[].proxy_protocol.trusted, first (until its header is read):
 *                       proxyDecoder → proxyHeader, then the listener's own pipeline
 * front, implicit TLS:  tls → preAuthIdle → cmdFramer → respEncoder → preAuth
 * front, STARTTLS:      preAuthIdle → cmdFramer → respEncoder → preAuth      (tls added first on STARTTLS)
 * backend:              [backendTls] → respFramer → backendLogin  (backendTls: implicit TLS from the start,
 *                                                                   or added first after the backend's STARTTLS OK)
 * backend health check: [backendTls] → respFramer → healthProbe   (implicit TLS only; closed after the greeting)
 * after hand-off:       front: [tls] → relayIdle → relayMeter → relay     backend: [backendTls] → relayMeter → relay
 * </pre>
 */
public final class PipelineNames {
    /** Netty's PROXY protocol (v1 and v2) decoder; removes itself after the header. */
    public static final String PROXY_DECODER = "proxyDecoder";
    /** Takes the decoded PROXY header: the session's addresses, then the listener's pipeline. */
    public static final String PROXY_HEADER = "proxyHeader";
    public static final String TLS = "tls";
    public static final String PRE_AUTH_IDLE = "preAuthIdle";
    public static final String CMD_FRAMER = "cmdFramer";
    public static final String RESP_ENCODER = "respEncoder";
    public static final String PRE_AUTH = "preAuth";
    public static final String RESP_FRAMER = "respFramer";
    public static final String BACKEND_LOGIN = "backendLogin";
    /** Reads one backend greeting for an active health check. */
    public static final String HEALTH_PROBE = "healthProbe";
    /** TLS to the backend; stays in the backend pipeline after hand-off, in front of the relay. */
    public static final String BACKEND_TLS = "backendTls";
    public static final String RELAY_IDLE = "relayIdle";
    /** Netty's PROXY header encoder on a backend connection of a proxy_v1 / proxy_v2 pool; gone after the header. */
    public static final String BACKEND_PROXY_ENCODER = "backendProxyEncoder";
    /** Writes that header as the connection comes up. */
    public static final String BACKEND_PROXY_HEADER = "backendProxyHeader";
    public static final String RELAY = "relay";
    /** Counts relayed octets and notes why the session ends, for the session log. */
    public static final String RELAY_METER = "relayMeter";

    /** Front handlers the hand-off removes, the framer last so its leftover bytes flow into the relay. */
    public static final java.util.List<String> FRONT_LOGIN_PHASE =
            java.util.List.of(PRE_AUTH_IDLE, PRE_AUTH, RESP_ENCODER, CMD_FRAMER);

    /** Backend handlers the hand-off removes, the framer last. */
    public static final java.util.List<String> BACKEND_LOGIN_PHASE =
            java.util.List.of(BACKEND_LOGIN, RESP_FRAMER);

    private PipelineNames() {
    }
}
