/** Immutable configuration records and the YAML loader that validates them, naming every bad key. */
package dev.postern.config;
