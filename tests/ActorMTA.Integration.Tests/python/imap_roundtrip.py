#!/usr/bin/env python3
"""IMAP with Python's imaplib against a running ActorMTA: deliver over SMTP, then read, flag,
search, copy and expunge over IMAP (STARTTLS). Exits non-zero with a message on any mismatch.
usage: imap_roundtrip.py HOST SMTP_PORT IMAP_PORT USER PASSWORD"""
import imaplib, smtplib, ssl, sys, time, uuid

host, smtp_port, imap_port, user, password = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]

def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)

def ok(typ, data, what):
    if typ != "OK":
        fail(f"{what}: {typ} {data}")
    return data

token = uuid.uuid4().hex
body = f"token {token}\r\nline two\r\n"
message = (f"From: <sender@example.org>\r\nTo: <{user}>\r\nSubject: imaplib {token}\r\n"
           f"Message-ID: <{token}@example.org>\r\n\r\n{body}").encode()
with smtplib.SMTP(host, smtp_port) as smtp:
    smtp.sendmail("sender@example.org", [user], message)

ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
imap = imaplib.IMAP4(host, imap_port)
ok(*imap.starttls(ssl_context=ctx), "STARTTLS")
ok(*imap.login(user, password), "LOGIN")
folders = b" ".join(ok(*imap.list(), "LIST"))
for name in (b"INBOX", b"Sent", b"Trash"):
    if name not in folders:
        fail(f"LIST lacks {name!r}: {folders!r}")

count = int(ok(*imap.select("INBOX"), "SELECT")[0])
if count < 1:
    fail(f"INBOX empty after SMTP delivery (EXISTS {count})")
uids = ok(*imap.uid("SEARCH", None, "SUBJECT", token), "UID SEARCH SUBJECT")[0].split()
if len(uids) != 1:
    fail(f"UID SEARCH SUBJECT found {uids!r}")
uid = uids[0]

data = ok(*imap.uid("FETCH", uid, "(BODY.PEEK[] RFC822.SIZE FLAGS)"), "UID FETCH")
raw = next(part[1] for part in data if isinstance(part, tuple))
if not raw.endswith(message):
    fail("BODY[] is not the sent message (after the Received: header)")
if b"\\Seen" in data[0][0]:
    fail("BODY.PEEK set \\Seen")
text = next(part[1] for part in ok(*imap.uid("FETCH", uid, "(BODY[TEXT])"), "FETCH TEXT") if isinstance(part, tuple))
if text != body.encode():
    fail(f"BODY[TEXT] differs: {text!r}")

if uid not in ok(*imap.uid("SEARCH", None, "SEEN"), "SEARCH SEEN")[0].split():
    fail("non-PEEK fetch did not set \\Seen")
ok(*imap.uid("STORE", uid, "+FLAGS", "(\\Flagged)"), "STORE")
if uid not in ok(*imap.uid("SEARCH", None, "FLAGGED"), "SEARCH FLAGGED")[0].split():
    fail("STORE +FLAGS \\Flagged not visible to SEARCH")

ok(*imap.uid("COPY", uid, "Trash"), "COPY")
ok(*imap.uid("STORE", uid, "+FLAGS.SILENT", "(\\Deleted)"), "STORE Deleted")
ok(*imap.expunge(), "EXPUNGE")
if ok(*imap.uid("SEARCH", None, "SUBJECT", token), "SEARCH after expunge")[0].split():
    fail("message still in INBOX after EXPUNGE")
trash = ok(*imap.status("Trash", "(MESSAGES)"), "STATUS")[0]
messages = int(trash.split(b"MESSAGES", 1)[1].strip(b" )").split()[0])
if messages < 1:
    fail(f"STATUS Trash reports {messages} messages after COPY: {trash!r}")
ok(*imap.select("Trash", readonly=True), "EXAMINE Trash")
if len(ok(*imap.uid("SEARCH", None, "SUBJECT", token), "SEARCH Trash")[0].split()) != 1:
    fail("copy not found in Trash")
imap.logout()
print("imaplib round trip ok")
