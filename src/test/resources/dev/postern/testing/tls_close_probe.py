"""How an IMAP-over-TLS session ends, seen by Python's ssl module (OpenSSL underneath).

Usage: tls_close_probe.py PORT implicit|starttls USER|- PASSWORD|- logout|client-ends
Connects without verifying the certificate, logs in when USER is given, then either sends LOGOUT and reads to the
end (logout), or ends first itself (client-ends: close_notify, FIN, then wait for the server to close). Prints one
last line: CLOSE_NOTIFY (the server ended TLS cleanly), UNEXPECTED_EOF (a TCP FIN without close_notify), RESET,
TIMEOUT, or CLIENT_CLOSED (client-ends: the server closed). Reply lines are printed as "< line" before it.
"""
import socket
import ssl
import sys

port, mode, user, password, action = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
raw = socket.create_connection(("127.0.0.1", port), timeout=10)


def read_line(sock, buf):
    while b"\n" not in buf[0]:
        data = sock.recv(4096)
        if not data:
            raise EOFError("closed while reading a line")
        buf[0] += data
    line, buf[0] = buf[0].split(b"\n", 1)
    print("< " + line.decode("utf-8", "replace").rstrip("\r"), flush=True)
    return line


def until_tagged(sock, buf, tag):
    while True:
        line = read_line(sock, buf)
        if line.startswith(tag.encode() + b" "):
            return line


buf = [b""]
if mode == "starttls":
    read_line(raw, buf)
    raw.sendall(b"s STARTTLS\r\n")
    until_tagged(raw, buf, "s")
    sock = context.wrap_socket(raw, suppress_ragged_eofs=False)
else:
    sock = context.wrap_socket(raw, suppress_ragged_eofs=False)
    read_line(sock, buf)
buf = [b""]
if user != "-":
    sock.sendall(("a LOGIN %s %s\r\n" % (user, password)).encode())
    until_tagged(sock, buf, "a")
if action == "logout":
    sock.sendall(b"z LOGOUT\r\n")
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                print("CLOSE_NOTIFY", flush=True)
                break
            for line in data.decode("utf-8", "replace").splitlines():
                print("< " + line, flush=True)
    except ssl.SSLEOFError:
        print("UNEXPECTED_EOF", flush=True)
    except ConnectionResetError:
        print("RESET", flush=True)
    except socket.timeout:
        print("TIMEOUT", flush=True)
else:
    # The client ends first, as s_client does at the end of its input: close_notify, then FIN. Postern must end
    # the backend leg cleanly itself; this side then waits for Postern to close the connection.
    sock.setblocking(False)
    try:
        sock.unwrap()
    except (ssl.SSLWantReadError, ssl.SSLWantWriteError, ssl.SSLError, OSError):
        pass  # close_notify is sent; the peer's answer is not awaited
    sock.setblocking(True)
    sock.settimeout(10)
    socket.socket.shutdown(sock, socket.SHUT_WR)
    try:
        while socket.socket.recv(sock, 4096):
            pass
        print("CLIENT_CLOSED", flush=True)
    except socket.timeout:
        print("TIMEOUT", flush=True)
    except ConnectionResetError:
        print("RESET", flush=True)
sock.close()
