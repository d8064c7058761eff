package dev.postern.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real client (curl, python3, ...) run as a process with no input, its output captured in files under a test's
 * folder. Secrets go in through the environment or files, never the command line; {@link Result#describe} leaves
 * the command line out all the same.
 */
public final class ClientProcess {
    private ClientProcess() {
    }

    /** What a client process did. */
    public record Result(int exit, String stdout, String stderr) {
        public String describe() {
            return "exit " + exit + "\n--- stdout ---\n" + stdout + "\n--- stderr ---\n" + stderr;
        }

        /** True when neither output holds {@code secret}. */
        public boolean keeps(String secret) {
            return !stdout.contains(secret) && !stderr.contains(secret);
        }
    }

    /** Runs {@code command} with {@code environment} added; fails the test when it outlives {@code timeout}. */
    public static Result run(Path folder, List<String> command, Map<String, String> environment, Duration timeout)
            throws Exception {
        Path out = Files.createTempFile(folder, "out-", ".txt");
        Path err = Files.createTempFile(folder, "err-", ".txt");
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        builder.environment().putAll(environment);
        Process process = builder.start();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
            fail(command.get(0) + " did not finish within " + timeout.toSeconds() + " s; stdout so far:\n"
                    + Files.readString(out) + "\nstderr:\n" + Files.readString(err));
        }
        return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
