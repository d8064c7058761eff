/**
 * Immutable configuration records and the YAML loader that validates them, naming every bad key. Each section's
 * keys (name, default, bound) are rows of one table ({@code ConfigSection}) next to its record.
 */
package dev.postern.config;
