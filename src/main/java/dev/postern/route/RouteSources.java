package dev.postern.route;

import com.unboundid.ldap.sdk.LDAPException;
import dev.postern.config.RouteSourceConfig;
import dev.postern.config.RoutesConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;

/** Builds the source chain of a config: the static map first, then {@code routes.sources} in order. */
public final class RouteSources {
    private RouteSources() {
    }

    /** Why a source could not be built (a routes file missing or bad at start-up, say). */
    public static final class SourceException extends Exception {
        public SourceException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public static RouteChain build(RoutesConfig routes, Set<String> pools, LoginNames names,
                                   ScheduledExecutorService scheduler) throws SourceException {
        List<RouteSource> sources = new ArrayList<>();
        if (!routes.staticRoutes().isEmpty()) {
            sources.add(new StaticRouteSource(routes.staticRoutes(), pools, names));
        }
        int i = 0;
        for (RouteSourceConfig config : routes.sources()) {
            String key = "routes.sources[" + i++ + "]";
            try {
                sources.add(create(config, pools, names, scheduler));
            } catch (IOException | RuntimeException | LDAPException e) {
                sources.forEach(RouteSource::close);
                throw new SourceException(key + ": " + e.getMessage(), e);
            }
        }
        return new RouteChain(sources);
    }

    private static RouteSource create(RouteSourceConfig config, Set<String> pools, LoginNames names,
                                      ScheduledExecutorService scheduler) throws IOException, LDAPException {
        if (config instanceof RouteSourceConfig.File f) {
            FileRouteSource file = new FileRouteSource(f.path(), pools, names);
            file.watch(scheduler, f.checkInterval().toMillis());
            return file;
        }
        if (config instanceof RouteSourceConfig.Rules r) {
            return new RulesRouteSource(r, pools);
        }
        if (config instanceof RouteSourceConfig.Http h) {
            return new HttpRouteSource(h, pools);
        }
        return new LdapRouteSource((RouteSourceConfig.Ldap) config, pools);
    }
}
