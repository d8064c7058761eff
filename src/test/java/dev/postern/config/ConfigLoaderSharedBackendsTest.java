package dev.postern.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backend listed in several pools is one server with one health state, one draining flag and one TLS setup, so
 * the pools must agree on them; pools keep the file's order, the same on every run.
 */
class ConfigLoaderSharedBackendsTest {
    private static final String LISTENERS = """
            listeners:
              - {name: plain, bind: "127.0.0.1:0", tls: none}
            """;

    @TempDir
    Path dir;

    private PosternConfig load(String pools) throws Exception {
        Path file = dir.resolve("postern.yaml");
        Files.writeString(file, LISTENERS + pools, StandardCharsets.UTF_8);
        return ConfigLoader.load(file);
    }

    private List<String> problems(String pools) {
        return assertThrows(ConfigException.class, () -> load(pools)).problems();
    }

    @Test
    void otherHealthSettingsAreAnErrorNamingBothPoolsAndEveryDifference() {
        assertEquals(List.of("pools.b.backends[1]: 127.0.0.1:143 is also in pool 'a' with different health settings "
                + "(health.interval: 1s here, 5s in 'a'; a backend has one health state: give both pools the same health)"),
                problems("""
                        pools:
                          a: {backends: ["127.0.0.1:143"]}
                          b: {backends: ["127.0.0.1:144", "127.0.0.1:143"], health: {interval: 1s}}
                        """));
        assertEquals(List.of("pools.b.backends[0]: 127.0.0.1:143 is also in pool 'a' with different health settings "
                + "(health.enabled: false here, true in 'a', health.rise: 5 here, 2 in 'a'; a backend has one health "
                + "state: give both pools the same health)"), problems("""
                pools:
                  a: {backends: ["127.0.0.1:143"], health: {enabled: true}}
                  b: {backends: ["127.0.0.1:143"], health: {enabled: false, rise: 5}}
                """));
    }

    @Test
    void anotherDrainingFlagIsAnError() {
        assertEquals(List.of("pools.b.backends[0]: 127.0.0.1:143 is also in pool 'a' with different draining "
                + "(false here, true in 'a'; a backend drains for every pool)"), problems("""
                pools:
                  a: {backends: [{address: "127.0.0.1:143", draining: true}]}
                  b: {backends: ["127.0.0.1:143"]}
                """));
    }

    @Test
    void everyDisagreementIsReportedAtOnce() {
        List<String> problems = problems("""
                pools:
                  a: {backends: ["127.0.0.1:993"], tls: {mode: implicit}}
                  b: {backends: [{address: "127.0.0.1:993", draining: true}], health: {fall: 3}}
                """);
        assertEquals(List.of("tls", "health", "draining"), problems.stream()
                .map(p -> p.replaceAll(".* with different (\\w+).*", "$1")).toList(), String.join("\n", problems));
    }

    @Test
    void theSameSettingsInBothPoolsAreFineAndWeightsMayDiffer() throws Exception {
        PosternConfig config = load("""
                pools:
                  a: {backends: ["127.0.0.1:143", "127.0.0.1:144"], health: {interval: 2s}}
                  b: {backends: [{address: "127.0.0.1:143", weight: 5}], health: {interval: 2s}}
                """);
        assertEquals(config.pools().get("a").health(), config.pools().get("b").health());
        assertEquals(5, config.pools().get("b").backends().get(0).weight());
    }

    @Test
    void theLaterPoolInTheFileIsTheOneNamedWhateverTheNames() {
        assertEquals(List.of("pools.a.backends[0]: 127.0.0.1:143 is also in pool 'z' with different draining "
                + "(true here, false in 'z'; a backend drains for every pool)"), problems("""
                pools:
                  z: {backends: ["127.0.0.1:143"]}
                  a: {backends: [{address: "127.0.0.1:143", draining: true}]}
                """));
    }

    @Test
    void poolsKeepTheFilesOrder() throws Exception {
        List<String> names = List.of("zeta", "alpha", "mike", "bravo", "yankee", "charlie", "xray", "delta", "whiskey",
                "echo", "victor", "foxtrot");
        String pools = "pools:\n" + Stream.iterate(0, i -> i + 1).limit(names.size())
                .map(i -> "  " + names.get(i) + ": {backends: [\"10.0.0." + (i + 1) + ":143\"]}\n")
                .collect(Collectors.joining());
        PosternConfig config = load(pools);
        assertEquals(names, List.copyOf(config.pools().keySet()));
        assertEquals(names, config.pools().values().stream().map(PoolConfig::name).toList());
        // A copy (as a reload makes) keeps it too.
        PosternConfig copy = new PosternConfig(config.listeners(), config.tls(), config.pools(), config.routes(),
                config.limits(), config.timeouts(), config.greeting(), config.logging(), config.admin(), config.oauth(), config.source());
        assertEquals(names, List.copyOf(copy.pools().keySet()));
    }
}
