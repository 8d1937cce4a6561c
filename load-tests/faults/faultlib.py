#!/usr/bin/env python3
"""Clients, faulty peers and the counting of the fault suite (load-tests/faults/*.sh).

Every message a script sends carries a unique id (Message-ID <ID@faults.test> and X-Fault-Id: ID). A sender
writes the id of each message answered 250 to an "acked" file, one per line, the moment the 250 arrives;
a collector writes the id of each message found (in a mailbox, or at the counting receiver) to a "got" file.
`count` compares the two: lost = acked but never found, duplicated = found more than once.

Subcommands (all print a short summary on stdout; see --help of each):
  ports N                 N free loopback TCP ports (bound together, so all distinct)
  send                    SMTP senders with exact acked-id bookkeeping
  park                    sessions parked in the middle of DATA until a go-file appears
  collect-pop3            ids of every message in some mailboxes (optionally deleting them)
  receiver                counting SMTP receiver, or a faulty one (close | 421 | silent) until healed
  dns                     tiny DNS responder: MX/A for every name, SERVFAIL or silence for fault names until healed
  count                   the result line: acked=N lost=N duplicated=N alive=yes|no
  prober                  a normal client every INTERVAL, each one must be served within DEADLINE
  garbage                 random bytes to a port from many connections
  slowloris               many connections sending one byte at a time
  bruteforce              AUTH PLAIN with wrong passwords as fast as the server answers
"""
import argparse
import asyncio
import base64
import collections
import os
import poplib
import random
import re
import socket
import struct
import sys
import threading
import time

ID_HEADER = re.compile(rb"^X-Fault-Id:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


# ----------------------------------------------------------------------------------------------------------
# SMTP client
# ----------------------------------------------------------------------------------------------------------

class Dropped(ConnectionError):
    """The server closed the connection without a (complete) reply."""


class Smtp:
    def __init__(self, host, port, timeout=60.0, source=None):
        self.sock = socket.create_connection((host, port), timeout=timeout,
                                             source_address=(source, 0) if source else None)
        self.file = self.sock.makefile("rb")

    def reply(self):
        lines = []
        while True:
            line = self.file.readline()
            if not line.endswith(b"\n"):
                raise Dropped("closed after: " + " | ".join(lines))
            text = line.decode("latin-1").rstrip("\r\n")
            lines.append(text)
            if len(text) < 4 or text[3] != "-":
                try:
                    return int(text[:3]), text
                except ValueError:
                    return 0, text

    def command(self, line):
        self.sock.sendall(line.encode("latin-1") + b"\r\n")
        return self.reply()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def message_bytes(msg_id, sender, recipient, size):
    header = (f"From: <{sender}>\r\nTo: <{recipient}>\r\nMessage-ID: <{msg_id}@faults.test>\r\n"
              f"X-Fault-Id: {msg_id}\r\nSubject: fault suite {msg_id}\r\n\r\n").encode()
    line = b"the quick brown fox jumps over the lazy dog 0123456789\r\n"
    body = line * max(1, (size - len(header)) // len(line))
    return header + body


def dot_stuffed(message):
    out = bytearray()
    for line in message.split(b"\r\n")[:-1]:
        if line.startswith(b"."):
            out += b"."
        out += line + b"\r\n"
    return bytes(out) + b".\r\n"


class Ledger:
    """The acked file plus counters, shared by sender threads."""

    def __init__(self, acked_path):
        self.lock = threading.Lock()
        self.acked = open(acked_path, "a", buffering=1) if acked_path else None
        self.counts = collections.Counter()
        self.replies = collections.Counter()

    def ack(self, msg_id):
        with self.lock:
            if self.acked:
                self.acked.write(msg_id + "\n")
                self.acked.flush()
            self.counts["acked"] += 1

    def count(self, key, n=1):
        with self.lock:
            self.counts[key] += n

    def reply(self, code, stage):
        with self.lock:
            self.replies[f"{stage}:{code}"] += 1


def send_one(smtp, sender, recipient, msg_id, size, ledger):
    """One transaction. Returns True when the session may go on."""
    code, text = smtp.command(f"MAIL FROM:<{sender}>")
    if code != 250:
        ledger.reply(code, "mail")
        if code == 452:
            time.sleep(0.2)  # no room now: do not spin
        return code != 421
    code, text = smtp.command(f"RCPT TO:<{recipient}>")
    if code != 250:
        ledger.reply(code, "rcpt")
        smtp.command("RSET")
        return True
    code, text = smtp.command("DATA")
    if code != 354:
        ledger.reply(code, "data")
        return code != 421
    smtp.sock.sendall(dot_stuffed(message_bytes(msg_id, sender, recipient, size)))
    ledger.count("sent")
    try:
        code, text = smtp.reply()
    except Dropped:
        ledger.count("dropped_after_data")
        raise
    if code == 250:
        ledger.ack(msg_id)
        return True
    ledger.reply(code, "end-of-data")
    return code != 421


def cmd_send(a):
    ledger = Ledger(a.acked)
    recipients = a.to.split(",")
    counter = iter(range(1, a.count + 1)) if a.count else iter(int, 1)
    counter_lock = threading.Lock()
    deadline = time.monotonic() + a.max_seconds if a.max_seconds else None
    sources = a.source_ips.split(",") if a.source_ips else [None]
    serial = [0]

    def next_id():
        with counter_lock:
            try:
                next(counter)
            except StopIteration:
                return None
            serial[0] += 1
            return f"{a.run}-{serial[0]}"

    def stopped():
        return (a.stop_file and os.path.exists(a.stop_file)) or (deadline and time.monotonic() > deadline)

    hosts = a.hosts.split(",") if a.hosts else [a.host]

    def worker(k):
        refused = 0
        source = sources[k % len(sources)]
        turn = k  # sessions spread over --hosts; a session that cannot connect tries the next host
        while not stopped():
            host = hosts[turn % len(hosts)]
            turn += 1
            try:
                smtp = Smtp(host, a.port, timeout=a.timeout, source=source)
            except OSError:
                refused += 1
                ledger.count("connect_failed")
                if a.give_up_after and refused >= a.give_up_after:
                    return
                time.sleep(0.2)
                continue
            refused = 0
            try:
                code, _ = smtp.reply()
                if code != 220:
                    ledger.reply(code, "greeting")
                    time.sleep(0.2)
                    continue
                code, _ = smtp.command("EHLO faults.test")
                if code != 250:
                    ledger.reply(code, "ehlo")
                    continue
                sent_here = 0
                while not stopped():
                    msg_id = next_id()
                    if msg_id is None:
                        smtp.command("QUIT")
                        return
                    recipient = recipients[int(msg_id.rsplit("-", 1)[1]) % len(recipients)]
                    if not send_one(smtp, a.sender, recipient, msg_id, a.size, ledger):
                        break
                    sent_here += 1
                    if a.per_session and sent_here >= a.per_session:
                        smtp.command("QUIT")
                        break
                    if a.pause:
                        time.sleep(a.pause)
            except (OSError, Dropped):
                ledger.count("session_errors")
            finally:
                smtp.close()
            if a.pause_after_error:
                time.sleep(a.pause_after_error)

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(a.senders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    summary = " ".join(f"{k}={v}" for k, v in sorted(ledger.counts.items()))
    replies = " ".join(f"{k}={v}" for k, v in sorted(ledger.replies.items()))
    print(f"send: {summary} {('replies: ' + replies) if replies else ''}".strip())
    if a.stats:
        with open(a.stats, "w") as f:
            for k, v in ledger.counts.items():
                f.write(f"{k}={v}\n")
            for k, v in ledger.replies.items():
                f.write(f"reply.{k}={v}\n")


def cmd_park(a):
    """P sessions stop in the middle of DATA; when the go-file appears each sends the rest and reads the reply."""
    ledger = Ledger(a.acked)
    parked = []
    for n in range(1, a.count + 1):
        msg_id = f"{a.run}-park-{n}"
        smtp = Smtp(a.host, a.port, timeout=a.timeout)
        smtp.reply()
        smtp.command("EHLO faults.test")
        for line, expect in ((f"MAIL FROM:<{a.sender}>", 250), (f"RCPT TO:<{a.to}>", 250), ("DATA", 354)):
            code, text = smtp.command(line)
            if code != expect:
                sys.exit(f"park: {line} -> {text}")
        wire = dot_stuffed(message_bytes(msg_id, a.sender, a.to, a.size))
        smtp.sock.sendall(wire[: len(wire) // 2])
        parked.append((smtp, msg_id, wire[len(wire) // 2:]))
    open(a.ready_file, "w").close()
    while not os.path.exists(a.go_file):
        time.sleep(0.05)
    time.sleep(a.delay)
    after = collections.Counter()
    for smtp, msg_id, rest in parked:
        try:
            smtp.sock.sendall(rest)
            code, text = smtp.reply()
            after[f"end-of-data:{code}"] += 1
            if code == 250:
                ledger.ack(msg_id)
                try:
                    code, text = smtp.reply()
                    after[f"then:{text[:9]}"] += 1
                except Dropped:
                    after["then:closed"] += 1
        except (OSError, Dropped) as e:
            after["dropped"] += 1
        finally:
            smtp.close()
    print(f"park: parked={a.count} acked={ledger.counts['acked']} " + " ".join(f"{k}={v}" for k, v in sorted(after.items())))
    if a.stats:
        with open(a.stats, "w") as f:
            f.write(f"parked={a.count}\nacked={ledger.counts['acked']}\n")


# ----------------------------------------------------------------------------------------------------------
# Collecting and counting
# ----------------------------------------------------------------------------------------------------------

def cmd_collect_pop3(a):
    total = 0
    with open(a.out, "a") as out:
        for user in a.users.split(","):
            deadline = time.monotonic() + 30
            while True:
                try:
                    pop = poplib.POP3(a.host, a.port, timeout=60)
                    pop.user(user)
                    pop.pass_(a.password)
                    break
                except (OSError, poplib.error_proto) as e:
                    if time.monotonic() > deadline:
                        sys.exit(f"collect-pop3: cannot log in as {user}: {e}")
                    time.sleep(0.5)
            count, _ = pop.stat()
            for i in range(1, count + 1):
                _, lines, _ = pop.top(i, 0)
                match = ID_HEADER.search(b"\r\n".join(lines))
                if match:
                    out.write(match.group(1).decode() + "\n")
                    total += 1
                if a.delete:
                    pop.dele(i)
            pop.quit()
    print(f"collect-pop3: found={total}")


def cmd_mailbox_count(a):
    pop = poplib.POP3(a.host, a.port, timeout=60)
    pop.user(a.user)
    pop.pass_(a.password)
    count, _ = pop.stat()
    pop.quit()
    print(count)


def cmd_pop3_read(a):
    """Log in, STAT, RETR every message, optionally DELE them all, QUIT: every answer must be +OK in time."""
    start = time.monotonic()
    try:
        pop = poplib.POP3(a.host, a.port, timeout=a.max_seconds + 5)
        pop.user(a.user)
        pop.pass_(a.password)
        count, _ = pop.stat()
        for i in range(1, count + 1):
            pop.retr(i)
            if a.delete:
                pop.dele(i)
        reply = pop.quit()
    except (OSError, poplib.error_proto) as e:
        print(f"pop3-read {a.user}: failed after {time.monotonic() - start:.1f} s: {e}")
        sys.exit(1)
    took = time.monotonic() - start
    print(f"pop3-read {a.user}: messages={count} deleted={count if a.delete else 0} quit={reply.decode(errors='replace')!r} seconds={took:.1f}")
    sys.exit(0 if took <= a.max_seconds else 1)


def cmd_imap_read(a):
    """LOGIN, SELECT INBOX, FETCH all flags and the first message, LOGOUT: every answer must be OK in time."""
    import imaplib
    start = time.monotonic()
    try:
        imap = imaplib.IMAP4(a.host, a.port, timeout=a.max_seconds + 5)
        imap.login(a.user, a.password)
        typ, data = imap.select("INBOX")
        if typ != "OK":
            raise imaplib.IMAP4.error(f"SELECT {typ} {data}")
        count = int(data[0])
        if count:
            typ, _ = imap.fetch("1:*", "(UID FLAGS)")
            if typ != "OK":
                raise imaplib.IMAP4.error(f"FETCH {typ}")
            typ, _ = imap.fetch("1", "(BODY.PEEK[])")
            if typ != "OK":
                raise imaplib.IMAP4.error(f"FETCH BODY {typ}")
        imap.logout()
    except (OSError, imaplib.IMAP4.error) as e:
        print(f"imap-read {a.user}: failed after {time.monotonic() - start:.1f} s: {e}")
        sys.exit(1)
    took = time.monotonic() - start
    print(f"imap-read {a.user}: messages={count} seconds={took:.1f}")
    sys.exit(0 if took <= a.max_seconds else 1)


def read_ids(path):
    if not path or not os.path.exists(path):
        return []
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


def cmd_count(a):
    # A set once: the long forms count ~100,000 ids, and a set built per id made this quadratic (minutes).
    acked = set(read_ids(a.acked))
    got = collections.Counter(read_ids(a.got))
    ours = [i for i in got if i.startswith(a.prefix)] if a.prefix else list(got)
    lost = [i for i in acked if got[i] == 0]
    duplicated = sum(1 for i in ours if got[i] > 1)
    unacked = sum(1 for i in ours if i not in acked)
    line = f"acked={len(acked)} lost={len(lost)} duplicated={duplicated} alive={a.alive}"
    if a.detail:
        line += " " + a.detail
    line += f" stored_without_ack={unacked}"
    print(line)
    if lost:
        print("lost ids (first 20): " + " ".join(sorted(lost)[:20]), file=sys.stderr)
    sys.exit(1 if lost or a.alive != "yes" else 0)


# ----------------------------------------------------------------------------------------------------------
# Faulty peers
# ----------------------------------------------------------------------------------------------------------

def cmd_receiver(a):
    """A counting SMTP receiver. Until the heal-file exists it misbehaves as --mode says:
    close (accept then close at once), 421 (greeting 421), silent (accept, never say anything)."""
    out = open(a.out, "a", buffering=1) if a.out else None
    times = open(a.times, "a", buffering=1) if a.times else None
    received = [0]
    connections = {"open": 0, "peak": 0}

    def opened(delta):
        # The peak of concurrent connections, rewritten whenever it rises (a shaping limit's proof).
        connections["open"] += delta
        if a.peak and connections["open"] > connections["peak"]:
            connections["peak"] = connections["open"]
            with open(a.peak, "w") as f:
                f.write(f"{connections['peak']}\n")

    def healed():
        return a.mode == "ok" or (a.heal_file and os.path.exists(a.heal_file))

    async def session(reader, writer):
        opened(1)
        try:
            if not healed():
                if a.mode == "close":
                    writer.close()
                    return
                if a.mode == "421":
                    writer.write(b"421 4.3.2 faults.test busy, try later\r\n")
                    await writer.drain()
                    writer.close()
                    return
                if a.mode == "silent":
                    await reader.read()  # until the client gives up
                    writer.close()
                    return
            rcpt_domain = "-"
            writer.write(b"220 faults.test ESMTP counting receiver\r\n")
            await writer.drain()
            while True:
                line = await reader.readline()
                if not line:
                    return
                verb = line[:4].upper()
                if verb == b"RCPT":
                    rcpt_domain = line.split(b"@")[-1].strip().rstrip(b">").decode(errors="replace").lower()
                if verb in (b"EHLO", b"HELO"):
                    writer.write(b"250-faults.test\r\n250-8BITMIME\r\n250 SIZE 104857600\r\n" if verb == b"EHLO" else b"250 faults.test\r\n")
                elif verb == b"DATA":
                    writer.write(b"354 go ahead\r\n")
                    await writer.drain()
                    content = bytearray()
                    while True:
                        data_line = await reader.readline()
                        if not data_line:
                            return
                        if data_line == b".\r\n":
                            break
                        content += data_line
                    match = ID_HEADER.search(bytes(content))
                    if match and out:
                        out.write(match.group(1).decode() + "\n")
                        out.flush()
                    if times:
                        times.write(f"{time.time():.3f} {rcpt_domain}\n")
                    received[0] += 1
                    if a.delay:
                        await asyncio.sleep(a.delay)
                    writer.write(b"250 2.0.0 stored\r\n")
                elif verb == b"QUIT":
                    writer.write(b"221 2.0.0 bye\r\n")
                    await writer.drain()
                    writer.close()
                    return
                else:
                    writer.write(b"250 2.0.0 ok\r\n")
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            opened(-1)
            try:
                writer.close()
            except Exception:
                pass

    async def main():
        server = await asyncio.start_server(session, "127.0.0.1", a.port, limit=1 << 20)
        async with server:
            await server.serve_forever()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass


def dns_name(data, offset):
    labels = []
    while True:
        length = data[offset]
        if length == 0:
            return ".".join(labels), offset + 1
        if length & 0xC0:
            pointer = struct.unpack("!H", data[offset:offset + 2])[0] & 0x3FFF
            name, _ = dns_name(data, pointer)
            labels.append(name)
            return ".".join(labels), offset + 2
        labels.append(data[offset + 1:offset + 1 + length].decode("ascii", "replace"))
        offset += 1 + length


def dns_encode(name):
    return b"".join(bytes([len(p)]) + p.encode() for p in name.strip(".").split(".")) + b"\0"


def cmd_dns(a):
    """UDP DNS responder. Every domain D has MX 10 mx.D (or, with --mx-hosts, MX 10 each of those: one site for
    all) and every name has A 127.0.0.1, except that until the heal-file exists a name containing 'servfail' gets
    SERVFAIL and one containing 'timeout' gets no answer."""
    mx_hosts = [h for h in (a.mx_hosts or "").split(",") if h]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", a.port))
    while True:
        data, peer = sock.recvfrom(4096)
        try:
            (qid, flags, qd) = struct.unpack("!HHH", data[:6])
            name, end = dns_name(data, 12)
            qtype, qclass = struct.unpack("!HH", data[end:end + 4])
        except (struct.error, IndexError):
            continue
        question = data[12:end + 4]
        healed = a.heal_file and os.path.exists(a.heal_file)
        lower = name.lower()
        if not healed and "timeout" in lower:
            continue
        rcode = 2 if (not healed and "servfail" in lower) else 0
        answers = []
        if rcode == 0:
            if qtype == 15 and not lower.startswith("mx.") and lower not in mx_hosts:
                for host in mx_hosts or ["mx." + name]:
                    rdata = struct.pack("!H", 10) + dns_encode(host)
                    answers.append(b"\xc0\x0c" + struct.pack("!HHIH", 15, 1, 30, len(rdata)) + rdata)
            elif qtype == 1:
                rdata = socket.inet_aton("127.0.0.1")
                answers.append(b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 30, len(rdata)) + rdata)
        header = struct.pack("!HHHHHH", qid, 0x8180 | (flags & 0x0100) | rcode, 1, len(answers), 0, 0)
        sock.sendto(header + question + b"".join(answers), peer)


# ----------------------------------------------------------------------------------------------------------
# Abusive clients and the probe that must be served meanwhile
# ----------------------------------------------------------------------------------------------------------

def probe_once(host, port, proto, deadline, source=None, ledger=None, run=None, serial=0, to=None):
    """Connect, read the greeting, one command, quit. Returns the seconds it took (or raises)."""
    start = time.monotonic()
    sock = socket.create_connection((host, port), timeout=deadline * 5, source_address=(source, 0) if source else None)
    try:
        f = sock.makefile("rb")
        greeting = f.readline()
        phases = [("greeting", time.monotonic() - start)]
        if proto == "smtp":
            if not greeting.startswith(b"220"):
                raise ConnectionError(f"greeting {greeting!r}")
            smtp = Smtp.__new__(Smtp)
            smtp.sock, smtp.file = sock, f
            code, text = smtp.command("EHLO probe.faults.test")
            if code != 250:
                raise ConnectionError(f"EHLO -> {text}")
            phases.append(("ehlo", time.monotonic() - start))
            if ledger is not None and to:
                msg_id = f"{run}-probe-{serial}"
                if not send_one(smtp, "probe@faults.test", to, msg_id, 512, ledger):
                    raise ConnectionError("probe message refused")
                phases.append(("message", time.monotonic() - start))
            smtp.command("QUIT")
        elif proto == "pop3":
            if not greeting.startswith(b"+OK"):
                raise ConnectionError(f"greeting {greeting!r}")
            sock.sendall(b"CAPA\r\n")
            while f.readline() not in (b".\r\n", b""):
                pass
            sock.sendall(b"QUIT\r\n")
            f.readline()
        else:
            if not greeting.startswith(b"* OK"):
                raise ConnectionError(f"greeting {greeting!r}")
            sock.sendall(b"a1 CAPABILITY\r\n")
            while True:
                line = f.readline()
                if line == b"" or line.startswith(b"a1 "):
                    break
            sock.sendall(b"a2 LOGOUT\r\n")
        probe_once.phases = phases
        return time.monotonic() - start
    finally:
        sock.close()


def cmd_prober(a):
    ledger = Ledger(a.acked)
    probes = slow = failed = 0
    worst = 0.0
    problems = []
    serial = 0
    # With --ready-file the first round is a warm-up, run before the attack starts: a fresh server's first
    # message pays once for JIT, shard allocation and entity recovery, which is not what the deadline measures.
    warming = bool(a.ready_file)
    while not os.path.exists(a.stop_file):
        for proto, port in zip(a.protos.split(","), [int(p) for p in a.ports.split(",")]):
            serial += 1
            probes += 1
            try:
                took = probe_once(a.host, port, proto, a.deadline, a.source, ledger if proto == "smtp" and a.to else None,
                                  a.run, serial, a.to)
                if warming:
                    continue
                worst = max(worst, took)
                if took > a.deadline:
                    slow += 1
                    steps = " ".join(f"{name}@{t * 1000:.0f}ms" for name, t in probe_once.phases)
                    problems.append(f"{time.strftime('%H:%M:%S')} {proto} served in {took:.2f} s ({steps})")
            except (OSError, ConnectionError, ValueError) as e:
                failed += 1
                problems.append(f"{time.strftime('%H:%M:%S')} {proto} failed: {e}")
        if warming:
            warming = False
            open(a.ready_file, "w").close()
        time.sleep(a.interval)
    print(f"prober: probes={probes} slow={slow} failed={failed} worst_ms={worst * 1000:.0f} probe_acked={ledger.counts['acked']}")
    for p in problems[:10]:
        print("  " + p)
    sys.exit(1 if slow or failed else 0)


def cmd_garbage(a):
    """Random bytes (with some CRLFs, so that many lines arrive) from C connections for S seconds."""
    stats = collections.Counter()
    deadline = time.monotonic() + a.seconds
    rnd = random.Random(a.seed)

    def worker(k):
        while time.monotonic() < deadline:
            try:
                sock = socket.create_connection((a.host, a.port), timeout=5,
                                                source_address=(a.source, 0) if a.source else None)
            except OSError:
                stats["connect_failed"] += 1
                time.sleep(0.1)
                continue
            stats["connections"] += 1
            sock.settimeout(0.05)
            sent = 0
            try:
                while time.monotonic() < deadline and sent < a.bytes_per_connection:
                    chunk = bytearray(rnd.randbytes(rnd.randint(1, 2048)))
                    for _ in range(rnd.randint(0, 8)):
                        pos = rnd.randrange(len(chunk))
                        chunk[pos:pos] = b"\r\n"
                    sock.sendall(chunk)
                    sent += len(chunk)
                    try:
                        if sock.recv(65536) == b"":
                            stats["closed_by_server"] += 1
                            break
                    except socket.timeout:
                        pass
            except OSError:
                stats["closed_by_server"] += 1
            finally:
                stats["bytes"] += sent
                sock.close()

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(a.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"garbage {a.port}: " + " ".join(f"{k}={v}" for k, v in sorted(stats.items())))


def cmd_slowloris(a):
    """C connections from the source addresses, each sending one byte every INTERVAL seconds and never a whole
    line. Reports how many the server closed, and when."""
    sources = a.source_ips.split(",")
    socks = []
    for k in range(a.connections):
        try:
            s = socket.create_connection((a.host, a.port), timeout=5, source_address=(sources[k % len(sources)], 0))
            s.setblocking(False)
            socks.append(s)
        except OSError:
            pass
    opened = len(socks)
    start = time.monotonic()
    closed_at = []
    live = list(socks)
    while time.monotonic() - start < a.seconds and live:
        still = []
        for s in live:
            try:
                while True:
                    data = s.recv(4096)
                    if data == b"":
                        raise ConnectionResetError()
            except BlockingIOError:
                pass
            except OSError:
                closed_at.append(time.monotonic() - start)
                s.close()
                continue
            try:
                s.send(bytes([random.choice(b"abcdefghijklmnopqrstuvwxyz")]))
                still.append(s)
            except BlockingIOError:
                still.append(s)
            except OSError:
                closed_at.append(time.monotonic() - start)
                s.close()
        live = still
        time.sleep(a.interval)
    for s in live:
        s.close()
    first = f"{min(closed_at):.0f}" if closed_at else "-"
    last = f"{max(closed_at):.0f}" if closed_at else "-"
    print(f"slowloris: opened={opened} closed_by_server={len(closed_at)} still_open={len(live)} "
          f"first_close_s={first} last_close_s={last}")
    if a.stats:
        with open(a.stats, "w") as f:
            f.write(f"opened={opened}\nclosed_by_server={len(closed_at)}\nstill_open={len(live)}\n")


def cmd_bruteforce(a):
    """AUTH PLAIN with wrong passwords from C connections for S seconds. A success with a wrong password is fatal."""
    stats = collections.Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + a.seconds
    sources = a.source_ips.split(",")

    def worker(k):
        n = 0
        while time.monotonic() < deadline:
            try:
                smtp = Smtp(a.host, a.port, timeout=30, source=sources[k % len(sources)])
            except OSError:
                with lock:
                    stats["connect_failed"] += 1
                time.sleep(0.2)
                continue
            try:
                code, text = smtp.reply()
                if code != 220:
                    with lock:
                        stats[f"greeting:{code}"] += 1
                    continue
                smtp.command("EHLO brute.faults.test")
                while time.monotonic() < deadline:
                    n += 1
                    token = base64.b64encode(f"\0{a.user}\0wrong-{k}-{n}".encode()).decode()
                    code, text = smtp.command(f"AUTH PLAIN {token}")
                    with lock:
                        stats["attempts"] += 1
                        stats[f"reply:{code}"] += 1
                    if code == 235:
                        with lock:
                            stats["WRONG_PASSWORD_ACCEPTED"] += 1
                        break
                    if code == 421:
                        break
            except (OSError, Dropped):
                with lock:
                    stats["dropped"] += 1
            finally:
                smtp.close()

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(a.connections)]
    for t in threads:
        t.start()
    # Replies to a brute force are delayed on purpose: do not wait for the last ones.
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()) + 1)
    rate = stats["attempts"] / a.seconds
    print(f"bruteforce: attempts={stats['attempts']} per_second={rate:.1f} " +
          " ".join(f"{k}={v}" for k, v in sorted(stats.items()) if k != "attempts"))
    if a.stats:
        with open(a.stats, "w") as f:
            for k, v in stats.items():
                f.write(f"{k}={v}\n")
            f.write(f"per_second={rate:.1f}\n")


def cmd_login(a):
    """One real AUTH PLAIN login with the right password; prints the seconds it took."""
    start = time.monotonic()
    smtp = Smtp(a.host, a.port, timeout=60, source=a.source)
    smtp.reply()
    smtp.command("EHLO user.faults.test")
    token = base64.b64encode(f"\0{a.user}\0{a.password}".encode()).decode()
    code, text = smtp.command(f"AUTH PLAIN {token}")
    smtp.close()
    print(f"login: reply={code} seconds={time.monotonic() - start:.2f}")
    sys.exit(0 if code == 235 else 1)


def cmd_ports(a):
    socks = []
    for _ in range(a.n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    print(" ".join(str(s.getsockname()[1]) for s in socks))
    for s in socks:
        s.close()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("ports"); s.add_argument("n", type=int); s.set_defaults(fn=cmd_ports)

    s = sub.add_parser("send")
    s.add_argument("--host", default="127.0.0.1"); s.add_argument("--port", type=int, required=True)
    s.add_argument("--hosts", default="", help="several servers, comma-separated: each session takes the next")
    s.add_argument("--to", required=True, help="recipients, comma-separated, used in turn")
    s.add_argument("--sender", default="sender@faults.test")
    s.add_argument("--count", type=int, default=0, help="messages in total (0: until stopped)")
    s.add_argument("--senders", type=int, default=10); s.add_argument("--size", type=int, default=2048)
    s.add_argument("--acked", required=True); s.add_argument("--run", required=True)
    s.add_argument("--stop-file"); s.add_argument("--max-seconds", type=float)
    s.add_argument("--give-up-after", type=int, default=0, help="stop a sender after N failed connects in a row")
    s.add_argument("--per-session", type=int, default=0); s.add_argument("--pause", type=float, default=0)
    s.add_argument("--pause-after-error", type=float, default=0.05)
    s.add_argument("--source-ips", default=""); s.add_argument("--timeout", type=float, default=60)
    s.add_argument("--stats"); s.set_defaults(fn=cmd_send)

    s = sub.add_parser("park")
    s.add_argument("--host", default="127.0.0.1"); s.add_argument("--port", type=int, required=True)
    s.add_argument("--to", required=True); s.add_argument("--sender", default="parked@faults.test")
    s.add_argument("--count", type=int, default=5); s.add_argument("--size", type=int, default=20000)
    s.add_argument("--acked", required=True); s.add_argument("--run", required=True)
    s.add_argument("--ready-file", required=True); s.add_argument("--go-file", required=True)
    s.add_argument("--delay", type=float, default=0); s.add_argument("--timeout", type=float, default=120)
    s.add_argument("--stats"); s.set_defaults(fn=cmd_park)

    s = sub.add_parser("collect-pop3")
    s.add_argument("--host", default="127.0.0.1"); s.add_argument("--port", type=int, required=True)
    s.add_argument("--users", required=True); s.add_argument("--password", required=True)
    s.add_argument("--out", required=True); s.add_argument("--delete", action="store_true")
    s.set_defaults(fn=cmd_collect_pop3)

    s = sub.add_parser("mailbox-count")
    s.add_argument("--host", default="127.0.0.1"); s.add_argument("--port", type=int, required=True)
    s.add_argument("--user", required=True); s.add_argument("--password", required=True)
    s.set_defaults(fn=cmd_mailbox_count)

    for name, fn in (("pop3-read", cmd_pop3_read), ("imap-read", cmd_imap_read)):
        s = sub.add_parser(name)
        s.add_argument("--host", default="127.0.0.1"); s.add_argument("--port", type=int, required=True)
        s.add_argument("--user", required=True); s.add_argument("--password", required=True)
        s.add_argument("--max-seconds", type=float, default=5); s.set_defaults(fn=fn)
        if name == "pop3-read":
            s.add_argument("--delete", action="store_true")

    s = sub.add_parser("count")
    s.add_argument("--acked", required=True); s.add_argument("--got", required=True)
    s.add_argument("--alive", required=True, choices=["yes", "no"]); s.add_argument("--detail", default="")
    s.add_argument("--prefix", default=""); s.set_defaults(fn=cmd_count)

    s = sub.add_parser("receiver")
    s.add_argument("--port", type=int, required=True); s.add_argument("--out")
    s.add_argument("--times", help="one line per message: arrival time and recipient domain")
    s.add_argument("--mode", choices=["ok", "close", "421", "silent"], default="ok"); s.add_argument("--heal-file")
    s.add_argument("--delay", type=float, default=0, help="seconds before each 250 (a slow receiver)")
    s.add_argument("--peak", help="file holding the most connections open at once so far")
    s.set_defaults(fn=cmd_receiver)

    s = sub.add_parser("dns")
    s.add_argument("--port", type=int, required=True); s.add_argument("--heal-file")
    s.add_argument("--mx-hosts", help="comma-separated MX host names every domain gets"); s.set_defaults(fn=cmd_dns)

    s = sub.add_parser("prober")
    s.add_argument("--host", default="127.0.0.1"); s.add_argument("--ports", required=True)
    s.add_argument("--protos", required=True, help="smtp,imap,pop3 in the order of --ports")
    s.add_argument("--deadline", type=float, default=1.0); s.add_argument("--interval", type=float, default=0.5)
    s.add_argument("--stop-file", required=True); s.add_argument("--source")
    s.add_argument("--to", help="each SMTP probe also sends one message to this address")
    s.add_argument("--acked"); s.add_argument("--run", default="probe")
    s.add_argument("--ready-file", help="touched after a first, unjudged warm-up round; start the attack then")
    s.set_defaults(fn=cmd_prober)

    s = sub.add_parser("garbage")
    s.add_argument("--host", default="127.0.0.1"); s.add_argument("--port", type=int, required=True)
    s.add_argument("--connections", type=int, default=10); s.add_argument("--seconds", type=float, default=10)
    s.add_argument("--bytes-per-connection", type=int, default=1 << 20); s.add_argument("--source")
    s.add_argument("--seed", type=int, default=15); s.set_defaults(fn=cmd_garbage)

    s = sub.add_parser("slowloris")
    s.add_argument("--host", default="127.0.0.1"); s.add_argument("--port", type=int, required=True)
    s.add_argument("--connections", type=int, default=200); s.add_argument("--seconds", type=float, default=60)
    s.add_argument("--interval", type=float, default=5); s.add_argument("--source-ips", default="127.0.0.9")
    s.add_argument("--stats"); s.set_defaults(fn=cmd_slowloris)

    s = sub.add_parser("bruteforce")
    s.add_argument("--host", default="127.0.0.1"); s.add_argument("--port", type=int, required=True)
    s.add_argument("--user", required=True); s.add_argument("--connections", type=int, default=20)
    s.add_argument("--seconds", type=float, default=20); s.add_argument("--source-ips", default="127.0.0.7")
    s.add_argument("--stats"); s.set_defaults(fn=cmd_bruteforce)

    s = sub.add_parser("login")
    s.add_argument("--host", default="127.0.0.1"); s.add_argument("--port", type=int, required=True)
    s.add_argument("--user", required=True); s.add_argument("--password", required=True); s.add_argument("--source")
    s.set_defaults(fn=cmd_login)

    a = p.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
