/**
 * The operators' HTTP API: metrics, health and readiness, sessions (list, kick), backends (list, drain), routes
 * (flush, dry-run lookup), reload, and a live status page. It reads and steers a running
 * {@link dev.postern.server.ProxyServer}; nothing in the proxy depends on it.
 */
package dev.postern.admin;
