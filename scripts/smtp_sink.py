#!/usr/bin/python3
"""A throw-away SMTP server for the mail tests: accepts every message on
127.0.0.1:PORT and saves it as DIR/NNNNNN.eml, the envelope recipients in an
X-Sink-Rcpt header line prepended to the raw message. Prints "ready" once
listening; stops on SIGTERM.

    scripts/smtp_sink.py PORT DIR
Needs Debian's python3-aiosmtpd (scripts/deps.sh).

SMTP_SINK_RCPT_DELAY_SECS=S makes it a slow server: each RCPT TO is answered
after S seconds, while DIR/.in-rcpt exists, before any of the message is read;
a client killed meanwhile leaves no message (tests/it/lease.rs).
"""
import asyncio
import itertools
import os
import signal
import sys
import threading

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.lock = threading.Lock()
        existing = [int(n[:6]) for n in os.listdir(folder) if n.endswith(".eml")]
        self.counter = itertools.count(max(existing, default=0) + 1)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        delay = float(os.environ.get("SMTP_SINK_RCPT_DELAY_SECS", "0"))
        if delay > 0:
            marker = os.path.join(self.folder, ".in-rcpt")
            open(marker, "w").close()
            try:
                await asyncio.sleep(delay)
            finally:
                os.remove(marker)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            n = next(self.counter)
        head = ("X-Sink-Rcpt: " + ",".join(envelope.rcpt_tos) + "\r\n").encode()
        tmp = os.path.join(self.folder, f".{n:06d}.tmp")
        with open(tmp, "wb") as f:
            f.write(head + envelope.original_content)
        os.rename(tmp, os.path.join(self.folder, f"{n:06d}.eml"))
        return "250 OK stored as %06d" % n


def main():
    port, folder = int(sys.argv[1]), sys.argv[2]
    os.makedirs(folder, exist_ok=True)
    controller = Controller(Sink(folder), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    controller.stop()


if __name__ == "__main__":
    main()
