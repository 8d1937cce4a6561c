#!/usr/bin/python3
"""Send each FILE with smtplib, read it back with poplib (STLS) and compare byte for byte.

The server prepends Return-Path: and one Received: field; everything after them must equal the file exactly.
The mailbox must hold no other new mail while this runs (each test uses its own user).
Exit status 0 when every message matched, 1 with a description otherwise.

usage: smtp_pop3_roundtrip.py HOST SMTP_PORT POP3_PORT USER PASSWORD FILE... [--mail-option OPT]... [--sender ADDR]
"""
import argparse
import poplib
import smtplib
import ssl
import sys


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def unverified_tls():
    # The server's certificate is self-signed: the protocol is under test here, not the PKI.
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def pop3_login(args):
    pop = poplib.POP3(args.host, args.pop3_port, timeout=60)
    pop.stls(context=unverified_tls())
    pop.user(args.user)
    pop.pass_(args.password)
    return pop


def without_received(stored):
    # RFC 5321 section 4.4: the delivered message begins with the Return-Path: line, then our Received:.
    if not stored.startswith(b"Return-Path: <"):
        fail("stored message does not begin with a Return-Path: field: %r" % stored[:300])
    stored = stored[stored.find(b"\n") + 1:]
    if not stored.startswith(b"Received: "):
        fail("stored message does not begin with a Received: field: %r" % stored[:300])
    position = 0
    while True:
        lf = stored.find(b"\n", position)
        if lf < 0:
            fail("stored message is only a Received: field")
        position = lf + 1
        if position >= len(stored) or stored[position:position + 1] not in (b" ", b"\t"):
            return stored[position:]


def describe_difference(expected, actual):
    n = min(len(expected), len(actual))
    i = 0
    while i < n and expected[i] == actual[i]:
        i += 1
    return "lengths %d (sent) vs %d (stored minus Received); first difference at offset %d:\n  sent:   %r\n  stored: %r" % (
        len(expected), len(actual), i, expected[max(0, i - 40):i + 40], actual[max(0, i - 40):i + 40])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("host")
    parser.add_argument("smtp_port", type=int)
    parser.add_argument("pop3_port", type=int)
    parser.add_argument("user")
    parser.add_argument("password")
    parser.add_argument("files", nargs="+")
    parser.add_argument("--mail-option", action="append", default=[])
    parser.add_argument("--sender", default="sender@example.org")
    args = parser.parse_args()

    pop = pop3_login(args)
    before, _ = pop.stat()
    pop.quit()

    sent = []
    for name in args.files:
        with open(name, "rb") as f:
            data = f.read()
        if not data.endswith(b"\r\n"):
            fail("%s: test messages must end with CRLF (smtplib would add one)" % name)
        with smtplib.SMTP(args.host, args.smtp_port, local_hostname="python.client.test", timeout=120) as smtp:
            smtp.ehlo()
            try:
                refused = smtp.sendmail(args.sender, [args.user], data, mail_options=args.mail_option)
            except smtplib.SMTPException as e:
                fail("%s: sendmail failed: %r" % (name, e))
            if refused:
                fail("%s: recipients refused: %r" % (name, refused))
        sent.append((name, data))
        print("sent %s (%d bytes)" % (name, len(data)))

    pop = pop3_login(args)
    count, _ = pop.stat()
    if count != before + len(sent):
        fail("mailbox holds %d messages, expected %d before + %d sent" % (count, before, len(sent)))
    for offset, (name, data) in enumerate(sent):
        number = before + 1 + offset
        _, lines, _ = pop.retr(number)
        stored = b"".join(line + b"\r\n" for line in lines)
        body = without_received(stored)
        if body != data:
            fail("%s came back different: %s" % (name, describe_difference(data, body)))
        print("ok %s: message %d is byte-exact after the Received: field" % (name, number))
        pop.dele(number)
    pop.quit()
    print("all %d messages round-tripped byte-exact" % len(sent))


if __name__ == "__main__":
    main()
