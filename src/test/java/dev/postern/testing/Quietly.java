package dev.postern.testing;

/** Test teardown: closes each of several resources in order; one that fails (or is null) does not stop the rest. */
public final class Quietly {
    private Quietly() {
    }

    public static void closeAll(AutoCloseable... resources) {
        for (AutoCloseable c : resources) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // the next one still closes
            }
        }
    }
}
