#!/usr/bin/env bash
# Starts a throwaway Dovecot IMAP server for trying Postern out: 127.0.0.1:${PORT:-143}, one user
# demo / demo-pass, maildir under a temporary folder, in the foreground (Ctrl-C stops it). Not for production.
# Needs root (Dovecot drops privileges itself) and the dovecot-imapd package (installed when missing).
set -euo pipefail
port="${PORT:-143}"
command -v dovecot >/dev/null 2>&1 || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y dovecot-imapd; }
id postern-mail >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postern-mail
dir=$(mktemp -d /tmp/postern-demo-backend.XXXXXX)
chmod 755 "$dir"
mkdir -p "$dir/run" "$dir/state" "$dir/mail" "$dir/home"
chown -R postern-mail: "$dir/mail" "$dir/home"
uid=$(id -u postern-mail); gid=$(id -g postern-mail)
echo "demo:{PLAIN}demo-pass" > "$dir/passwd"
cat > "$dir/dovecot.conf" <<CONF
instance_name = postern-demo-$$
base_dir = $dir/run
state_dir = $dir/state
log_path = /dev/stderr
protocols = imap
listen = 127.0.0.1
disable_plaintext_auth = no
auth_mechanisms = plain login
login_trusted_networks = 127.0.0.0/8
first_valid_uid = $uid
first_valid_gid = $gid
mail_location = maildir:$dir/mail/%u
ssl = no
passdb {
  driver = passwd-file
  args = $dir/passwd
}
userdb {
  driver = static
  args = uid=$uid gid=$gid home=$dir/home/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
}
service stats {
  unix_listener stats-writer {
    mode = 0666
  }
}
CONF
echo "demo backend: imap://127.0.0.1:$port, user demo / demo-pass, files in $dir"
exec dovecot -F -c "$dir/dovecot.conf"
