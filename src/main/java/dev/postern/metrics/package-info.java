/** Postern's meters behind one interface, so handlers never touch Micrometer and tests can count calls. */
package dev.postern.metrics;
