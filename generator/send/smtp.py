"""SMTP delivery with the standard library's smtplib, one transaction at a time, each ending in a ledger state.

`smtp://host:port` uses STARTTLS when the server offers it (`?starttls=require` refuses a server that does not),
`smtps://host:465` is TLS from the first byte. The user comes from the URL, the password only from the
environment variable AGORA_SMTP_PASSWORD, so it never sits in a command line, a shell history or a CI log.

The transaction is spelled out (MAIL, RCPT, DATA, the message, the final dot) rather than left to
`smtplib.sendmail`, because exactly-once depends on where a failure happens: until the final dot has been
handed to the connection the server cannot have accepted the message, so a lost connection is `deferred`
(safe to retry); after it, the server may have queued the message before the reply was lost, so the outcome
is `uncertain`.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from generator.send.ledger import DEFERRED, FAILED, SENT, UNCERTAIN

PASSWORD_VARIABLE = "AGORA_SMTP_PASSWORD"
LOST_BEFORE = "connection lost before the end of the message"
# A line starting with a dot gets a second one (RFC 5321 4.5.2), so no line of the message ends DATA early.
LEADING_DOT = re.compile(rb"^\.", re.MULTILINE)


class SetupError(Exception):
    """The server cannot be used as configured (authentication refused, STARTTLS required but not offered):
    retrying message by message would not help, so the run stops."""


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    tls: bool  # smtps: TLS from the start
    starttls: str  # "auto" or "require"
    user: str | None

    def __str__(self) -> str:
        scheme = "smtps" if self.tls else "smtp"
        user = f"{self.user}@" if self.user else ""
        return f"{scheme}://{user}{self.host}:{self.port}"


def parse_url(url: str) -> Server:
    """`smtp://[user@]host[:port][?starttls=require]` or `smtps://[user@]host[:port]`; ValueError says what
    is wrong."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError(f"expected smtp://host:port or smtps://host:port, got {url!r}")
    if parts.password is not None:
        raise ValueError(f"put the password in the environment variable {PASSWORD_VARIABLE}, not in the URL")
    query = parse_qs(parts.query)
    unknown = set(query) - {"starttls"}
    starttls = query.get("starttls", ["auto"])[-1]
    if unknown or starttls not in ("auto", "require") or (parts.scheme == "smtps" and "starttls" in query):
        raise ValueError(f"unknown URL options {parts.query!r}: the only one is ?starttls=require (smtp:// only)")
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
    except ValueError:
        raise ValueError(f"invalid port in {url!r}") from None
    return Server(parts.hostname, port, parts.scheme == "smtps", starttls,
                  unquote(parts.username) if parts.username else None)


@dataclass(frozen=True)
class Outcome:
    state: str  # a ledger state: sent, deferred, failed or uncertain
    reply: str  # "250 2.0.0 Ok: queued", or what went wrong


def classify(code: int, message: bytes | str) -> Outcome:
    """2xx sent; 4xx deferred; 552 (mailbox over quota, a 4xx in all but name, RFC 5321 4.5.3.1.10) deferred;
    other 5xx failed for good."""
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    reply = f"{code} {' '.join(text.split())}".strip()
    if 200 <= code < 300:
        return Outcome(SENT, reply)
    if 400 <= code < 500 or code == 552:
        return Outcome(DEFERRED, reply)
    return Outcome(FAILED, reply)


class Connection:
    """One SMTP connection, opened on first use and again after the server drops it."""

    def __init__(self, server: Server, password: str | None, timeout: float = 60.0, local_name: str | None = None):
        self.server = server
        self.password = password
        self.timeout = timeout
        self.local_name = local_name
        self._smtp: smtplib.SMTP | None = None
        self._carried = 0  # messages the open connection has carried

    def open(self) -> None:
        """Connect, say EHLO, secure and log in. Raises OSError/SMTPException when the server cannot be reached
        (the caller defers the message) and SetupError when it can but refuses what we need."""
        server = self.server
        context = ssl.create_default_context()
        if server.tls:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(server.host, server.port, local_hostname=self.local_name,
                                                  timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(server.host, server.port, local_hostname=self.local_name, timeout=self.timeout)
        try:
            smtp.ehlo()
            if not server.tls:
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=context)
                    smtp.ehlo()
                elif server.starttls == "require":
                    raise SetupError(f"{server} does not offer STARTTLS (the URL says ?starttls=require)")
            if server.user:
                if not self.password:
                    raise SetupError(f"{server}: set the password in the environment variable {PASSWORD_VARIABLE}")
                try:
                    smtp.login(server.user, self.password)
                except smtplib.SMTPAuthenticationError as exc:
                    raise SetupError(f"{server} refused the login: {classify(exc.smtp_code, exc.smtp_error).reply}") \
                        from None
                except smtplib.SMTPNotSupportedError:
                    raise SetupError(f"{server} does not offer AUTH (did you mean ?starttls=require or smtps://?)") \
                        from None
        except BaseException:
            smtp.close()
            raise
        self._smtp = smtp
        self._carried = 0

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None

    def _reset(self, outcome: Outcome) -> Outcome:
        """After a refused command: RSET so the connection can carry the next message (or drop it)."""
        try:
            assert self._smtp is not None
            if outcome.reply.startswith("421"):
                raise smtplib.SMTPServerDisconnected("421")
            self._smtp.rset()
        except (OSError, smtplib.SMTPException):
            self._drop()
        return outcome

    def ready(self) -> Outcome | None:
        """Open the connection unless it is open: None when it is, a `deferred` outcome when the server cannot
        be reached; SetupError when it can but refuses what we need."""
        if self._smtp is None:
            try:
                self.open()
            except (OSError, smtplib.SMTPException) as exc:
                return Outcome(DEFERRED, f"cannot connect to {self.server}: {exc or type(exc).__name__}")
        return None

    def send(self, sender: str, recipient: str, message: bytes) -> Outcome:
        """One transaction on the open connection (`ready` first). Never raises for what the server or the
        network does.

        Servers close idle connections and limit messages per connection (421 or a closed socket at MAIL): on a
        connection that has carried messages, such a failure before the message was sent is retried at once on
        a new connection rather than deferred.
        """
        outcome = self._transaction(sender, recipient, message)
        if self._carried and outcome.state == DEFERRED and outcome.reply.startswith(("421", LOST_BEFORE)):
            self._drop()
            if self.ready() is None:
                outcome = self._transaction(sender, recipient, message)
        return outcome

    def _transaction(self, sender: str, recipient: str, message: bytes) -> Outcome:
        smtp = self._smtp
        if smtp is None:
            return Outcome(DEFERRED, "not connected")
        try:
            code, reply = smtp.mail(sender)
            if code != 250:
                return self._reset(classify(code, reply))
            code, reply = smtp.rcpt(recipient)
            if code not in (250, 251):
                return self._reset(classify(code, reply))
            smtp.putcmd("data")
            code, reply = smtp.getreply()
            if code != 354:
                return self._reset(classify(code, reply))
            payload = LEADING_DOT.sub(b"..", message) if message.startswith(b".") or b"\n." in message else message
            if not payload.endswith(b"\r\n"):
                payload += b"\r\n"
            smtp.send(payload + b".\r\n")
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            return Outcome(DEFERRED, f"{LOST_BEFORE}: {exc or type(exc).__name__}")
        try:
            code, reply = smtp.getreply()
        except (OSError, smtplib.SMTPException) as exc:  # TimeoutError is an OSError
            self._drop()
            return Outcome(UNCERTAIN, f"connection lost after the end of the message, before the server's reply: "
                                      f"{exc or type(exc).__name__}")
        outcome = classify(code, reply)
        if code == 421:
            self._drop()
        elif self._smtp is not None:
            self._carried += 1
        return outcome
