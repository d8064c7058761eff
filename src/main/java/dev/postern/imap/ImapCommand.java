package dev.postern.imap;

import java.util.List;

/** A parsed client command: tag, upper-case name and arguments. */
public record ImapCommand(String tag, String name, List<ImapArg> args) {
    public ImapCommand {
        args = List.copyOf(args);
    }

    /** Overwrites the octets of every argument: called once the command (which may hold a password) was used. */
    public void wipe() {
        args.forEach(ImapArg::wipe);
    }

    @Override
    public String toString() {
        return tag + " " + name + " (" + args.size() + " args)";
    }
}
