package dev.postern.imap;

import java.util.List;

/** A parsed client command: tag, upper-case name and arguments. */
public record ImapCommand(String tag, String name, List<ImapArg> args) {
    public ImapCommand {
        args = List.copyOf(args);
    }

    @Override
    public String toString() {
        return tag + " " + name + " (" + args.size() + " args)";
    }
}
