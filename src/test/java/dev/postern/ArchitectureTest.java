package dev.postern;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.equivalentTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import dev.postern.imap.LayeringViolationFixture;
import io.netty.channel.ChannelInitializer;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The package rules of the house style (shared/STYLE.md, "Package layout"), checked on the main classes of every
 * build. Two kinds: the rules issue 7 names (imap knows no session or routing, config no runtime, route answers
 * where and never how, relay knows no IMAP, metrics is a leaf, frontend reaches backend only through the gateway),
 * and the style's "may depend on" table where it is stricter ({@code *_TABLE}).
 *
 * <p>Reading of the table: {@code session} holds "what every phase of a session shares" (the failure type, the
 * backend seam, the pipeline names), so every phase package (tls, frontend, backend, relay) may use it; the tls row
 * also allows {@code metrics}, since handshakes and reloads are counted through {@code ProxyMetrics}. Libraries are
 * restricted only where the table names them (config, imap, metrics).
 */
@AnalyzeClasses(packages = "dev.postern", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    private static final String POSTERN = "dev.postern..";

    @ArchTest
    static final ArchRule NO_PACKAGE_CYCLES = slices().matching("dev.postern.(*)..").namingSlices("$1")
            .should().beFreeOfCycles();

    /** Main starts everything; nothing starts Main. */
    @ArchTest
    static final ArchRule NOTHING_DEPENDS_ON_MAIN = noClasses().that().resideOutsideOfPackage("dev.postern")
            .should().dependOnClassesThat().resideInAPackage("dev.postern");

    @ArchTest
    static final ArchRule IMAP_KNOWS_NO_SESSION_OR_ROUTING = noClasses().that().resideInAPackage("dev.postern.imap..")
            .should().dependOnClassesThat().resideInAnyPackage(packages("session", "route", "backend", "frontend",
                    "server"))
            .because("imap is the protocol alone: it knows no session, route or backend");

    @ArchTest
    static final ArchRule IMAP_TABLE = classes().that().resideInAPackage("dev.postern.imap..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("dev.postern.imap..", "java..", "io.netty.buffer..",
                    "io.netty.handler.codec..", "io.netty.channel..", "io.netty.util..")
            .because("STYLE.md: imap may depend on Netty buffer/codec only");

    @ArchTest
    static final ArchRule CONFIG_KNOWS_NO_RUNTIME = classes().that().resideInAPackage("dev.postern.config..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("dev.postern.config..", "java..",
                    "org.yaml.snakeyaml..")
            .because("config is an immutable record tree and its loader: JDK and the YAML parser only");

    @ArchTest
    static final ArchRule ROUTE_ANSWERS_WHERE_NEVER_HOW = noClasses().that().resideInAPackage("dev.postern.route..")
            .should().dependOnClassesThat(resideInAnyPackage(packages("backend", "frontend", "relay", "server"))
                    .or(resideInAPackage("io.netty.bootstrap.."))
                    .or(equivalentTo(ChannelInitializer.class)))
            .because("route answers where a login goes, never how to connect there (that is backend's job)");

    @ArchTest
    static final ArchRule ROUTE_TABLE = mayUseOnly("route", "config", "metrics");

    @ArchTest
    static final ArchRule RELAY_KNOWS_NO_IMAP = noClasses().that().resideInAPackage("dev.postern.relay..")
            .should().dependOnClassesThat().resideInAnyPackage(packages("imap", "frontend", "backend"))
            .because("relay moves bytes both ways and knows no IMAP");

    @ArchTest
    static final ArchRule RELAY_TABLE = mayUseOnly("relay", "metrics", "session");

    @ArchTest
    static final ArchRule METRICS_IS_A_LEAF = classes().that().resideInAPackage("dev.postern.metrics..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("dev.postern.metrics..", "java..",
                    "io.micrometer..")
            .because("metrics is a leaf every package may use: Micrometer and the JDK only");

    @ArchTest
    static final ArchRule FRONTEND_REACHES_BACKEND_ONLY_THROUGH_THE_GATEWAY = noClasses()
            .that().resideInAPackage("dev.postern.frontend..")
            .should().dependOnClassesThat().resideInAPackage("dev.postern.backend..")
            .because("frontend reaches backend only through session.BackendGateway, so its tests can stub it");

    @ArchTest
    // Beyond STYLE.md's row: the SASL mechanisms (auth) are the front end's to run, and the hand-off to the byte
    // relay (relay.Handoff) is the last step of the pre-auth phase.
    static final ArchRule FRONTEND_TABLE = mayUseOnly("frontend", "imap", "tls", "config", "metrics", "session",
            "auth", "relay");

    @ArchTest
    static final ArchRule TLS_TABLE = mayUseOnly("tls", "config", "metrics", "session");

    @ArchTest
    // Beyond STYLE.md's row: backend asks route where a user goes and reads the health state route keeps
    // (route answers where, backend does how).
    // Beyond that: backend has a bearer token verified (oauth) before it routes the user it names.
    static final ArchRule BACKEND_TABLE = mayUseOnly("backend", "imap", "tls", "config", "metrics", "session",
            "route", "oauth");

    @ArchTest
    static final ArchRule OAUTH_TABLE = mayUseOnly("oauth", "config");

    @ArchTest
    // Beyond STYLE.md's row: the gateway seam carries imap.Credentials, a protocol value type (no behaviour).
    static final ArchRule SESSION_TABLE = mayUseOnly("session", "config", "imap");

    /** The classes of {@code pkg} use no Postern package but itself and {@code allowed} (libraries are free). */
    private static ArchRule mayUseOnly(String pkg, String... allowed) {
        String[] own = packages(Stream.concat(Stream.of(pkg), Arrays.stream(allowed)).toArray(String[]::new));
        return classes().that().resideInAPackage("dev.postern." + pkg + "..")
                .should().onlyDependOnClassesThat(not(resideInAPackage(POSTERN)).or(resideInAnyPackage(own)))
                .because("STYLE.md: " + pkg + " may depend on " + String.join(", ", allowed));
    }

    private static String[] packages(String... names) {
        return Arrays.stream(names).map(n -> "dev.postern." + n + "..").toArray(String[]::new);
    }

    /** The rules are not vacuous: a class in imap (test sources only) that uses route breaks two of them. */
    @Test
    void aClassThatBreaksTheLayeringIsCaught() {
        JavaClasses violating = new ClassFileImporter().importClasses(LayeringViolationFixture.class);
        EvaluationResult result = IMAP_KNOWS_NO_SESSION_OR_ROUTING.evaluate(violating);
        assertTrue(result.hasViolation(), "imap -> route went unnoticed");
        assertTrue(result.getFailureReport().toString().contains("dev.postern.route.Route"),
                result.getFailureReport().toString());
        assertTrue(IMAP_TABLE.evaluate(violating).hasViolation(), "the table rule missed imap -> route");
    }
}
