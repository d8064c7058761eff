package dev.postern.probe;

/** One thing a probe found: fine, worth a warning, or a failure. */
record Finding(Level level, String text) {
    enum Level { OK, WARN, FAIL }

    static Finding ok(String text) {
        return new Finding(Level.OK, text);
    }

    static Finding warn(String text) {
        return new Finding(Level.WARN, text);
    }

    static Finding fail(String text) {
        return new Finding(Level.FAIL, text);
    }
}
