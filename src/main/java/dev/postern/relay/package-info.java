/** The post-login phase: raw bytes both ways with writability backpressure; knows nothing of IMAP. */
package dev.postern.relay;
