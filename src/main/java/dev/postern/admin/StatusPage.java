package dev.postern.admin;

import dev.postern.config.ListenerConfig;
import dev.postern.server.ProxyServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The live status page ({@code GET /}): plain HTML and CSS that reloads itself every 5 s, like HAProxy's stats
 * page: listeners, backends with health and sessions, sessions and logins, certificate expiry. Every text that came
 * from configuration or the network is HTML-escaped.
 */
final class StatusPage {
    private StatusPage() {
    }

    static String render(ProxyServer server, MeterRegistry registry, List<Map<String, Object>> backends) {
        StringBuilder html = new StringBuilder("""
                <!DOCTYPE html>
                <html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
                <title>Postern status</title>
                <style>
                body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}
                table{border-collapse:collapse;margin-bottom:1.5em}
                th,td{border:1px solid #ccc;padding:.3em .7em;text-align:left}
                th{background:#eee}.up{background:#d8f5d8}.down{background:#f8d0d0}.drain{background:#fbeec8}
                </style></head><body>
                <h1>Postern</h1>
                """);
        html.append("<p id=\"summary\">").append(server.sessionCount()).append(" open session(s); logins ok ")
                .append(count(registry, "postern.login.duration", "ok")).append(", failed ")
                .append(count(registry, "postern.login.duration", "failed")).append("; updated ")
                .append(escape(Instant.now().toString())).append("</p>\n");
        html.append("<h2>Listeners</h2><table id=\"listeners\"><tr><th>name</th><th>bind</th><th>tls</th>"
                + "<th>PROXY protocol</th><th>open connections</th></tr>\n");
        for (ListenerConfig l : server.config().listeners()) {
            Gauge open = registry.find("postern.connections.active").tag("listener", l.name()).gauge();
            html.append("<tr><td>").append(escape(l.name())).append("</td><td>").append(escape(l.bind().toString()))
                    .append("</td><td>").append(l.tls().name().toLowerCase()).append("</td><td>")
                    .append(l.proxyProtocol() == null ? "-" : escape(l.proxyProtocol().trusted().toString()))
                    .append("</td><td>").append(open == null ? 0 : (long) open.value()).append("</td></tr>\n");
        }
        html.append("</table>\n<h2>Backends</h2><table id=\"backends\"><tr><th>address</th><th>pools</th>"
                + "<th>state</th><th>sessions</th></tr>\n");
        for (Map<String, Object> b : backends) {
            boolean draining = (Boolean) b.get("draining");
            boolean up = (Boolean) b.get("up");
            String state = draining ? "drain" : up ? "up" : "down";
            html.append("<tr class=\"").append(state).append("\"><td>").append(escape(String.valueOf(b.get("address"))))
                    .append("</td><td>").append(escape(String.valueOf(b.get("pools")))).append("</td><td>")
                    .append(state.toUpperCase()).append("</td><td>").append(b.get("sessions")).append("</td></tr>\n");
        }
        html.append("</table>\n<h2>Certificates</h2><table id=\"certificates\"><tr><th>certificate</th>"
                + "<th>expires in</th></tr>\n");
        registry.find("postern.tls.certificate.expiry").gauges().forEach(g -> html.append("<tr><td>")
                .append(escape(String.valueOf(g.getId().getTag("name")))).append("</td><td>")
                .append(Duration.ofSeconds((long) g.value()).toDays()).append(" days</td></tr>\n"));
        return html.append("</table>\n</body></html>\n").toString();
    }

    private static long count(MeterRegistry registry, String name, String outcome) {
        Timer timer = registry.find(name).tag("outcome", outcome).timer();
        if (timer != null) {
            return timer.count();
        }
        Counter counter = registry.find(name).tag("outcome", outcome).counter();
        return counter == null ? 0 : (long) counter.count();
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
