package dev.postern.it.interop;

import java.util.List;

/**
 * What a client brought back: the seeded messages as it stored or returned them (in any order), whether they
 * keep IMAP's CRLF line ends or the local mailbox's LF, and whether it saw the IDLE probe arrive.
 */
public record Fetched(List<byte[]> messages, boolean lineFeedsOnly, boolean idled) {
}
