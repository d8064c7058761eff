/** The proxy's lifecycle: transport choice, listeners, the registry of open sessions, ordered shutdown. */
package dev.postern.server;
