package dev.postern.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The session log's line: its fields in text and as key-value pairs (the JSON format's fields), values escaped. */
class SessionLogTest {
    private final Logger logger = (Logger) LoggerFactory.getLogger("postern.session");
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

    @BeforeEach
    void capture() {
        lines.start();
        logger.addAppender(lines);
    }

    @AfterEach
    void release() {
        logger.detachAppender(lines);
    }

    private static SessionRecord loggedIn() {
        SessionRecord record = new SessionRecord(new SessionContext("abc234defg56", "imaps",
                new InetSocketAddress("192.0.2.7", 51000), new InetSocketAddress("192.0.2.1", 993)));
        record.tlsUp("TLSv1.3", "TLS_AES_128_GCM_SHA256");
        record.loggedIn("alice@example.org", "10.0.0.5:143", 42);
        record.fromClient(100);
        record.fromClient(23);
        record.toClient(4567);
        record.ending("backend closed");
        record.ending("client closed"); // later reasons say nothing new
        return record;
    }

    @Test
    void aLoggedInSessionsLineHasEveryField() {
        SessionLog.ended(loggedIn());
        ILoggingEvent event = lines.list.get(0);
        String text = event.getFormattedMessage();
        assertTrue(text.matches("session end session=abc234defg56 listener=imaps client=192\\.0\\.2\\.7:51000 "
                + "user=alice@example\\.org backend=10\\.0\\.0\\.5:143 tls=TLSv1\\.3 cipher=TLS_AES_128_GCM_SHA256 "
                + "handshake_ms=\\d+ login_ms=42 duration_ms=\\d+ bytes_in=123 bytes_out=4567 end=\"backend closed\""),
                text);
        Map<String, Object> pairs = event.getKeyValuePairs().stream()
                .collect(Collectors.toMap(kv -> kv.key, kv -> kv.value));
        assertEquals("alice@example.org", pairs.get("user"));
        assertEquals(123L, pairs.get("bytes_in"));
        assertEquals("backend closed", pairs.get("end"));
    }

    @Test
    void jsonFormatCarriesTheFieldsAsJson() {
        SessionLog.ended(loggedIn());
        JsonEncoder encoder = new JsonEncoder();
        encoder.setContext(logger.getLoggerContext());
        encoder.start();
        String json = new String(encoder.encode(lines.list.get(0)), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"loggerName\":\"postern.session\""), json);
        assertTrue(json.contains("{\"user\":\"alice@example.org\"}"), json);
        assertTrue(json.contains("{\"bytes_out\":\"4567\"}") || json.contains("{\"bytes_out\":4567}"), json);
        assertEquals(1, json.strip().lines().count(), "one line per event");
    }

    @Test
    void aSessionThatNeverLoggedInSaysSoAndOddNamesAreEscaped() {
        SessionRecord record = new SessionRecord(new SessionContext("id", "imap", null, null));
        SessionLog.ended(record);
        assertTrue(lines.list.get(0).getFormattedMessage().endsWith("bytes_in=0 bytes_out=0 end=\"client closed\""));
        assertTrue(!lines.list.get(0).getFormattedMessage().contains("user="));
        assertEquals("\"a b\\\"c\\x0d\\x0a\"", SessionLog.quoted("a b\"c\r\n"));
        assertEquals("plain", SessionLog.quoted("plain"));
        assertEquals("\"\"", SessionLog.quoted(""));
    }
}
