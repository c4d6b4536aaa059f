"""A test SMTP server on aiosmtpd: stores each message's bytes exactly as received in a Maildir.

The file name carries the client's port and whether the session was encrypted, so a test can
count the connections that carried its messages and see that TLS took place. Optional: STARTTLS (or, with
--implicit-tls, TLS from the first byte) with a given certificate, and a permanent refusal (550) of recipients
whose address ends with a given suffix.
"""
import argparse
import os
import ssl
import threading
import time
import uuid

from aiosmtpd.controller import Controller


class MaildirHandler:
    def __init__(self, maildir, refuse):
        self.maildir = maildir
        self.refuse = refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse and address.lower().endswith(self.refuse.lower()):
            return "550 5.1.1 Recipient refused"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        # STARTTLS sets session.ssl; an implicit-TLS connection is encrypted from the start.
        encrypted = session.ssl or server.transport.get_extra_info("ssl_object") is not None
        protection = "tls" if encrypted else "plain"
        name = "%020d.%d.%s.%s" % (time.time_ns(), session.peer[1], protection, uuid.uuid4().hex)
        temporary = os.path.join(self.maildir, "tmp", name)
        with open(temporary, "wb") as stored:
            stored.write(envelope.original_content)
        os.rename(temporary, os.path.join(self.maildir, "new", name))
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--maildir", required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--refuse-suffix")
    parser.add_argument("--implicit-tls", action="store_true", help="TLS from the first byte (port 465 style) instead of STARTTLS")
    args = parser.parse_args()
    tls = None
    if args.cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.cert, args.key)
    controller = Controller(
        MaildirHandler(args.maildir, args.refuse_suffix),
        hostname="127.0.0.1",
        port=args.port,
        tls_context=None if args.implicit_tls else tls,
        ssl_context=tls if args.implicit_tls else None,
        require_starttls=False,
        decode_data=False,
    )
    controller.start()
    threading.Event().wait()


if __name__ == "__main__":
    main()
