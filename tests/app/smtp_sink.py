"""A real SMTP server (aiosmtpd) for the email alert tests: listens on a free loopback port,
prints {"port": N} once it is ready, then one JSON line per mail taken (envelope sender,
recipients, the login used, the raw message). With SMTP_SINK_USER/SMTP_SINK_PASSWORD set it
advertises AUTH (LOGIN, PLAIN) and refuses mail without it; a wrong password gets 535.
With SMTP_SINK_CERT/SMTP_SINK_KEY set it speaks TLS with that certificate: SMTP_SINK_TLS=starttls
(default; STARTTLS required before AUTH and mail) or tls (TLS from the first byte). Runs until
it is killed."""

import asyncio
import json
import logging
import os
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

USER = os.environ.get("SMTP_SINK_USER", "")
PASSWORD = os.environ.get("SMTP_SINK_PASSWORD", "")
CERT = os.environ.get("SMTP_SINK_CERT", "")
KEY = os.environ.get("SMTP_SINK_KEY", "")
MODE = os.environ.get("SMTP_SINK_TLS", "starttls")


class Handler:
    async def handle_DATA(self, server, session, envelope):
        print(
            json.dumps(
                {
                    "from": envelope.mail_from,
                    "to": envelope.rcpt_tos,
                    "login": session.auth_data if session.authenticated else None,
                    "data": envelope.content.decode("utf-8", "replace"),
                }
            ),
            flush=True,
        )
        return "250 OK queued"


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login.decode() == USER
        and auth_data.password.decode() == PASSWORD
    )
    # handled=False: the server answers 535 itself.
    return AuthResult(success=ok, auth_data=USER if ok else None, handled=False)


async def main():
    # AUTH over plain text is what this loopback test wants (TLS mode "none").
    warnings.simplefilter("ignore")
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    loop = asyncio.get_running_loop()

    context = None
    if CERT:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(CERT, KEY)
    starttls = context is not None and MODE == "starttls"

    def session():
        return SMTP(
            Handler(),
            hostname="sink.test",
            authenticator=authenticate if USER else None,
            auth_required=bool(USER),
            auth_require_tls=starttls,
            tls_context=context if starttls else None,
            require_starttls=starttls,
        )

    wrapped = context if context is not None and MODE == "tls" else None
    server = await loop.create_server(session, "127.0.0.1", 0, ssl=wrapped)
    print(json.dumps({"port": server.sockets[0].getsockname()[1]}), flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
