"""`agora send` against a real SMTP server on 127.0.0.1 (aiosmtpd, started here), scripted by recipient:
`greylist…` gets 451 on its first RCPT, `full…` 552 (over quota: retried like a 4xx), `reject…` 550, `drop…`
loses the connection after the end of DATA (the message is kept: it was accepted, only the reply is lost),
and the recipient given as `Script(block=…)` gets no reply until the test lets go.

Every run is the CLI as a subprocess; what the server received is parsed as MIME. No run may print an address.
"""

from __future__ import annotations

import asyncio
import base64
import csv
import email
import email.policy
import html
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from email.message import EmailMessage
from pathlib import Path

import dkim
import pytest
import yaml
from aiosmtpd.controller import Controller

from conftest import ROOT, Result, copy_demo, run_agora

LANGS = ("en", "nb", "sv", "pl", "el", "sl")
ISSUE = "2026-11"
FAST = {"AGORA_SEND_BACKOFF": "0.05"}
ADDRESS = re.compile(r"[\w.+-]+@(?:members|lists)\.example\.net", re.IGNORECASE)


class Script:
    """The server's behaviour and memory: every accepted message, every RCPT seen, by address."""

    def __init__(self, block: str | None = None):
        self.received: dict[str, list[bytes]] = defaultdict(list)
        self.rcpts: Counter = Counter()
        self.datas: Counter = Counter()
        self.block = block
        self.blocked = threading.Event()
        self.release = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpts[address] += 1
        if address.startswith("greylist") and self.rcpts[address] == 1:
            return "451 4.7.1 Greylisted, please try again"
        if address.startswith("full") and self.rcpts[address] == 1:
            return "552 5.2.2 Mailbox full"
        if address.startswith("reject"):
            return f"550 5.1.1 <{address}>: Recipient address rejected"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server, session, envelope):
        address = envelope.rcpt_tos[0]
        self.datas[address] += 1
        self.received[address].append(envelope.original_content)
        if address.startswith("drop") and self.datas[address] == 1:
            server.transport.abort()
            return "250 2.0.0 never heard"
        if address == self.block and self.datas[address] == 1:
            self.blocked.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
        return f"250 2.0.0 Ok: queued for <{address}>"

    def parsed(self, address: str) -> list[EmailMessage]:
        return [email.message_from_bytes(raw, policy=email.policy.default) for raw in self.received[address]]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server():
    """Start a scripted server; yields (script, url)."""
    controllers = []

    def start(script: Script | None = None):
        script = script or Script()
        controller = Controller(script, hostname="127.0.0.1", port=free_port())
        controller.start()
        controllers.append(controller)
        return script, f"smtp://127.0.0.1:{controller.port}"

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, EmailMessage]:
    """The issue's `.eml` per language, as `agora newsletter` writes it: what every message is made from."""
    out = tmp_path_factory.mktemp("eml")
    result = run_agora("newsletter", ISSUE, "--out", out, cwd=ROOT)
    assert result.code == 0, result.output
    return {lang: email.message_from_bytes((out / ISSUE / f"{lang}.eml").read_bytes(), policy=email.policy.default)
            for lang in LANGS}


def write_csv(path: Path, rows: list[dict], columns=("email", "language", "name", "unsubscribe_url")) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def send(root: Path, *args, env: dict | None = None) -> Result:
    return run_agora("send", ISSUE, "--root", root, *args, env={**FAST, **(env or {})})


def assert_private(result: Result, *folders: Path) -> None:
    """No address of the recipients file in the output, nor in any file under `folders`."""
    assert not ADDRESS.search(result.output), result.output
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                assert not ADDRESS.search(path.read_bytes().decode("latin-1")), path


def parts(message: EmailMessage) -> tuple[str, str]:
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def test_sixty_recipients_in_six_languages_each_get_one_message_in_their_language(tmp_path, server, rendered):
    root = copy_demo(tmp_path / "community")
    script, url = server()
    rows = []
    for n in range(60):
        lang = LANGS[n % 6]
        link = None if n % 10 == 9 else f"https://lists.example.net/u/{n}?list={lang}&t=x{n}"
        rows.append({"email": f"member{n}@members.example.net", "language": "" if lang == "en" and n % 12 == 0
                     else lang, "name": f"Mémbre {n}" if n % 2 else "", "unsubscribe_url": link or ""})
    recipients = write_csv(tmp_path / "recipients.csv", rows)

    result = send(root, "--recipients", recipients, "--smtp", url)
    assert result.code == 0, result.output
    assert re.search(r"^total\s+60\s+60\s+60\s+0\s+0\s+0$", result.stdout, re.M), result.stdout

    message_ids = set()
    for n, row in enumerate(rows):
        address, lang = row["email"], LANGS[n % 6]
        [message] = script.parsed(address)
        eml = rendered[lang]
        assert message["Content-Language"] == lang
        assert message["Subject"] == eml["Subject"]
        assert message["List-Id"] == eml["List-Id"] and f"<{lang}.newsletter." in message["List-Id"]
        assert [a.addr_spec for a in message["To"].addresses] == [address]
        assert message["To"].addresses[0].display_name == row["name"]
        message_ids.add(message["Message-ID"])
        text, body = parts(message)
        eml_text, eml_html = parts(eml)
        link = row["unsubscribe_url"]
        if link:
            # The .eml with the tag filled in: the same rendering, nothing else changed.
            assert text == eml_text.replace("{{unsubscribe_url}}", link)
            assert body == eml_html.replace("{{unsubscribe_url}}", html.escape(link))
            assert message["List-Unsubscribe"].startswith(f"<{link}>, <mailto:")
            assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        else:
            assert "{{unsubscribe_url}}" not in text + body and "unsubscribe@commonground.example.org" in text
            assert message["List-Unsubscribe"] == "<mailto:unsubscribe@commonground.example.org?subject=unsubscribe>"
            assert message["List-Unsubscribe-Post"] is None
    assert len(message_ids) == 60
    assert sum(map(len, script.received.values())) == 60

    record = yaml.safe_load((root / "newsletters" / f"{ISSUE}.sent.yml").read_text())
    assert record["issue"] == ISSUE
    assert record["sends"][0]["languages"] == {lang: {"sent": 10, "failed": 0} for lang in LANGS}

    again = send(root, "--recipients", recipients, "--smtp", url)
    assert again.code == 0, again.output
    assert re.search(r"^total\s+60\s+60\s+0\s+0\s+0\s+0$", again.stdout, re.M), again.stdout
    assert sum(map(len, script.received.values())) == 60

    # A machine without this ledger is stopped by the committed record, unless told --again.
    elsewhere = send(root, "--recipients", recipients, "--smtp", url, "--ledger", tmp_path / "other.sqlite")
    assert elsewhere.code == 2 and f"newsletters/{ISSUE}.sent.yml" in elsewhere.stderr
    assert "--again" in elsewhere.stderr
    dry = send(root, "--recipients", recipients, "--ledger", tmp_path / "other.sqlite", "--again", "--dry-run")
    assert dry.code == 0 and "would send issue 2026-11 to 60 recipients" in dry.stdout, dry.output
    assert sum(map(len, script.received.values())) == 60
    for result_ in (result, again, elsewhere, dry):
        assert_private(result_, root)


def test_greylisting_is_retried_rejection_is_final_and_a_lost_reply_is_uncertain(tmp_path, server):
    root = copy_demo(tmp_path / "community")
    script, url = server()
    rows = [{"email": f"{kind}@members.example.net", "language": "sv", "name": "",
             "unsubscribe_url": f"https://lists.example.net/u/{kind}"}
            for kind in ("ok", "greylist", "reject", "drop", "full")]
    recipients = write_csv(tmp_path / "r.csv", rows)

    first = send(root, "--recipients", recipients, "--smtp", url)
    assert first.code == 1, first.output
    assert len(script.received["ok@members.example.net"]) == 1
    assert script.rcpts["full@members.example.net"] == 2 and len(script.received["full@members.example.net"]) == 1
    assert script.rcpts["greylist@members.example.net"] == 2
    assert len(script.received["greylist@members.example.net"]) == 1
    assert script.rcpts["reject@members.example.net"] == 1 and not script.received["reject@members.example.net"]
    assert len(script.received["drop@members.example.net"]) == 1
    assert f"{recipients}:4: failed: 550 5.1.1 <recipient>: Recipient address rejected" in first.stdout
    assert f"{recipients}:5: uncertain: connection lost after the end of the message" in first.stdout
    assert re.search(r"^sv\s+5\s+3\s+3\s+0\s+1\s+1$", first.stdout, re.M), first.stdout
    assert not (root / "newsletters" / f"{ISSUE}.sent.yml").exists()  # not complete: one is uncertain

    second = send(root, "--recipients", recipients, "--smtp", url)
    assert second.code == 1
    assert script.rcpts["reject@members.example.net"] == 1  # failed for good
    assert len(script.received["drop@members.example.net"]) == 1  # uncertain: not resent on its own
    assert f"{recipients}:5: uncertain" in second.stdout

    third = send(root, "--recipients", recipients, "--smtp", url, "--resend-uncertain")
    assert third.code == 1  # the rejected one stays failed
    assert len(script.received["drop@members.example.net"]) == 2
    assert re.search(r"^sv\s+5\s+4\s+1\s+0\s+1\s+0$", third.stdout, re.M), third.stdout
    assert len(script.received["ok@members.example.net"]) == 1
    record = yaml.safe_load((root / "newsletters" / f"{ISSUE}.sent.yml").read_text())
    assert record["sends"][0]["languages"] == {"sv": {"sent": 4, "failed": 1}}
    for result in (first, second, third):
        assert_private(result, root)


def test_a_send_killed_midway_resumes_without_duplicates(tmp_path, server):
    root = copy_demo(tmp_path / "community")
    blocked = "member13@members.example.net"
    script, url = server(Script(block=blocked))
    rows = [{"email": f"member{n}@members.example.net", "language": LANGS[n % 6], "name": "",
             "unsubscribe_url": f"https://lists.example.net/u/{n}"} for n in range(40)]
    recipients = write_csv(tmp_path / "r.csv", rows)
    command = [sys.executable, "-m", "generator", "send", ISSUE, "--root", str(root), "--recipients",
               str(recipients), "--smtp", url, "--connections", "2"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert script.blocked.wait(300), "the send never reached the blocking recipient"
        time.sleep(0.3)  # let the other connection get into a transaction too, if it will
        process.send_signal(signal.SIGKILL)
        process.wait(30)
    finally:
        script.release.set()
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL

    resumed = send(root, "--recipients", recipients, "--smtp", url, "--connections", "2")
    assert resumed.code == 1, resumed.output
    uncertain = {int(n) for n in re.findall(rf"^{re.escape(str(recipients))}:(\d+): uncertain", resumed.stdout,
                                            re.M)}
    assert 15 in uncertain  # member13 is on line 15: its reply never came
    for line, row in enumerate(rows, start=2):
        count = len(script.received[row["email"]])
        assert count == 1 if line not in uncertain else count <= 1, (row["email"], count)
    assert "uncertain ones may have been delivered" in resumed.stdout

    completed = send(root, "--recipients", recipients, "--smtp", url, "--resend-uncertain")
    assert completed.code == 0, completed.output
    for line, row in enumerate(rows, start=2):
        count = len(script.received[row["email"]])
        assert count == 1 if line not in uncertain else count in (1, 2), (row["email"], count)
    assert_private(resumed, root)
    assert_private(completed, root)


def openssl(*args: str, data: bytes | None = None) -> bytes:
    return subprocess.run(["openssl", *args], input=data, capture_output=True, check=True).stdout


def test_dkim_signatures_verify_and_cover_the_unsubscribe_headers(tmp_path, server):
    root = copy_demo(tmp_path / "community")
    key = tmp_path / "keys" / "dkim.pem"
    key.parent.mkdir()
    key.write_bytes(openssl("genrsa", "2048"))
    public = base64.b64encode(openssl("rsa", "-pubout", "-outform", "DER", data=key.read_bytes())).decode()
    config = root / "mkdocs.yml"
    config.write_text(config.read_text().replace(
        "        untranslated: default\n",
        f"        untranslated: default\n        dkim:\n          domain: commonground.example.org\n"
        f"          selector: agora\n          key_file: {key}\n"))
    script, url = server()
    recipients = write_csv(tmp_path / "r.csv", [
        {"email": "linked@members.example.net", "language": "pl", "name": "Zoë",
         "unsubscribe_url": "https://lists.example.net/u/1"},
        {"email": "plain@members.example.net", "language": "el", "name": "", "unsubscribe_url": ""}])
    result = send(root, "--recipients", recipients, "--smtp", url)
    assert result.code == 0, result.output

    def dns(name: bytes, timeout: int = 5) -> bytes:
        assert name == b"agora._domainkey.commonground.example.org."
        return f"v=DKIM1; k=rsa; p={public}".encode()

    for address in ("linked@members.example.net", "plain@members.example.net"):
        [raw] = script.received[address]
        assert dkim.verify(raw, dnsfunc=dns)
        signature = email.message_from_bytes(raw, policy=email.policy.default)["DKIM-Signature"]
        signed = {h.strip().lower() for h in re.search(r"h=([^;]+)", "".join(signature.split())).group(1).split(":")}
        assert {"from", "to", "subject", "date", "message-id", "list-id", "list-unsubscribe"} <= signed
        if address.startswith("linked"):
            assert "list-unsubscribe-post" in signed
            tampered = raw.replace(b"https://lists.example.net/u/1", b"https://evil.example.com/u/1", 1)
            assert not dkim.verify(tampered, dnsfunc=dns)

    # A key inside the repository that git does not ignore is refused before anything is sent.
    inside = root / "dkim.pem"
    inside.write_bytes(key.read_bytes())
    config.write_text(config.read_text().replace(f"key_file: {key}", "key_file: dkim.pem"))
    refused = send(root, "--recipients", recipients, "--smtp", url, "--ledger", tmp_path / "l2.sqlite", "--again")
    assert refused.code == 2 and "dkim.key_file" in refused.stderr, refused.output
    assert sum(map(len, script.received.values())) == 2


def test_recipient_file_errors_are_all_reported_with_their_lines(tmp_path, server):
    root = copy_demo(tmp_path / "community")
    script, url = server()
    recipients = tmp_path / "bad.csv"
    recipients.write_text(
        "email,language,name,unsubscribe_url\n"
        "good@members.example.net,sv,,https://lists.example.net/u/1\n"
        "not-an-address@members,sv,,\n"
        "klingon@members.example.net,tlh,,\n"
        "good@members.example.net,nb,,\n"
        "link@members.example.net,,,http://lists.example.net/u/2\n", encoding="utf-8")
    result = send(root, "--recipients", recipients, "--smtp", url)
    assert result.code == 2, result.output
    assert f"{recipients}:3: email: not a valid e-mail address" in result.stderr
    assert f"{recipients}:4: language: unknown language 'tlh'" in result.stderr
    assert f"{recipients}:5: email: warning: duplicate of line 2: sent once" in result.stderr
    assert f"{recipients}:6: unsubscribe_url: expected an https:// link" in result.stderr
    assert "3 errors" in result.stderr
    assert not script.rcpts
    assert_private(result, root)

    header = tmp_path / "header.csv"
    header.write_text("e-mail,lang\nx@members.example.net,sv\n", encoding="utf-8")
    result = send(root, "--recipients", header, "--smtp", url)
    assert result.code == 2
    assert f"{header}:1: e-mail: unknown column; did you mean 'email'?" in result.stderr
    assert f"{header}:1: lang: unknown column; did you mean 'language'?" in result.stderr


def test_a_recipients_file_git_would_commit_is_refused(tmp_path, server):
    root = copy_demo(tmp_path / "community")
    (root / ".gitignore").write_text(".cache/\n")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    script, url = server()
    rows = [{"email": "a@members.example.net", "language": "sv", "name": "", "unsubscribe_url": ""}]
    tracked = write_csv(root / "subscribers.csv", rows)
    subprocess.run(["git", "-C", str(root), "add", "subscribers.csv"], check=True)
    result = send(root, "--recipients", tracked, "--smtp", url)
    assert result.code == 2 and "must not be inside the repository" in result.stderr, result.output
    untracked = write_csv(root / "new.csv", rows)
    assert send(root, "--recipients", untracked, "--smtp", url).code == 2
    assert not script.rcpts
    (root / ".cache").mkdir()
    ignored = write_csv(root / ".cache" / "subscribers.csv", rows)
    accepted = send(root, "--recipients", ignored, "--smtp", url)
    assert accepted.code == 0, accepted.output
    assert len(script.received["a@members.example.net"]) == 1


def test_proofs_go_to_every_language_outside_the_ledger_and_dry_runs_send_nothing(tmp_path, server, rendered):
    root = copy_demo(tmp_path / "community")
    script, url = server()
    ledger = tmp_path / "ledger.sqlite"
    dry = send(root, "--proof", "editor@members.example.net", "--dry-run", "--ledger", ledger)
    assert dry.code == 0 and "would send 6 proofs" in dry.stdout, dry.output
    assert not script.rcpts
    result = send(root, "--proof", "editor@members.example.net", "chief@members.example.net", "--smtp", url,
                  "--ledger", ledger)
    assert result.code == 0, result.output
    for address in ("editor@members.example.net", "chief@members.example.net"):
        messages = script.parsed(address)
        assert sorted(m["Content-Language"] for m in messages) == sorted(LANGS)
        for message in messages:
            assert message["Subject"] == "[Proof] " + rendered[message["Content-Language"]]["Subject"]
    assert not ledger.exists() and not (root / ".cache" / "agora" / "sends.sqlite").exists()
    assert not (root / "newsletters" / f"{ISSUE}.sent.yml").exists()
    assert_private(dry, root)
    assert_private(result, root)


def test_dry_run_reads_the_ledger_and_prints_per_language(tmp_path, server):
    root = copy_demo(tmp_path / "community")
    script, url = server()
    rows = [{"email": f"m{n}@members.example.net", "language": lang, "name": "", "unsubscribe_url": ""}
            for n, lang in enumerate(("sv", "sv", "el"))]
    recipients = write_csv(tmp_path / "r.csv", rows)
    ledger = tmp_path / "ledger.sqlite"
    assert send(root, "--recipients", recipients, "--smtp", url, "--ledger", ledger, "--lang", "el").code == 0
    dry = send(root, "--recipients", recipients, "--ledger", ledger, "--dry-run")
    assert dry.code == 0, dry.output
    assert re.search(r"^sv\s+2\s+2\s+0\s+0\s+0\s+November på Common Ground", dry.stdout, re.M), dry.stdout
    assert re.search(r"^el\s+1\s+0\s+1\s+0\s+0\s", dry.stdout, re.M), dry.stdout
    piped = subprocess.run([sys.executable, "-m", "generator", "send", ISSUE, "--root", str(root), "--recipients", "-",
                            "--ledger", str(ledger), "--dry-run"], input=recipients.read_text(), cwd=ROOT,
                           capture_output=True, text=True, timeout=600)
    assert piped.returncode == 0 and piped.stdout == dry.stdout, piped.stderr
    assert len(script.received) == 1
    with sqlite3.connect(ledger) as db:  # the ledger names recipients by digest only
        assert not ADDRESS.search(repr(db.execute("SELECT * FROM sends").fetchall()))


def test_smtp_settings_are_checked_before_sending(tmp_path, server):
    root = copy_demo(tmp_path / "community")
    script, url = server()
    recipients = write_csv(tmp_path / "r.csv", [{"email": "a@members.example.net", "language": "sv", "name": "",
                                                 "unsubscribe_url": ""}])
    secret = send(root, "--recipients", recipients, "--smtp", url.replace("//", "//user:hunter2@"))
    assert secret.code == 2 and "AGORA_SMTP_PASSWORD" in secret.stderr and "hunter2" not in secret.output
    nopass = send(root, "--recipients", recipients, "--smtp", url.replace("//", "//user@"))
    assert nopass.code == 2 and "AGORA_SMTP_PASSWORD" in nopass.stderr
    tls = send(root, "--recipients", recipients, "--smtp", url + "?starttls=require")
    assert tls.code == 1 and "does not offer STARTTLS" in tls.stderr, tls.output
    assert not script.rcpts
    missing = send(root, "--recipients", recipients)
    assert missing.code == 2 and "--smtp" in missing.stderr


def test_starttls_and_login_with_the_password_from_the_environment(tmp_path):
    import ssl

    from aiosmtpd.smtp import AuthResult

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret pass", handled=False)

    script = Script()
    controller = Controller(script, hostname="127.0.0.1", port=free_port(), tls_context=context,
                            require_starttls=True, authenticator=authenticator, auth_require_tls=True)
    controller.start()
    try:
        root = copy_demo(tmp_path / "community")
        recipients = write_csv(tmp_path / "r.csv", [{"email": "a@members.example.net", "language": "sl", "name": "",
                                                     "unsubscribe_url": ""}])
        url = f"smtp://news%40hub@127.0.0.1:{controller.port}?starttls=require"
        trust = {"SSL_CERT_FILE": str(cert)}  # the test's own CA, read by ssl.create_default_context()
        wrong = send(root, "--recipients", recipients, "--smtp", url, env={**trust, "AGORA_SMTP_PASSWORD": "nope"})
        assert wrong.code == 1 and "refused the login: 535" in wrong.stderr, wrong.output
        assert not script.received
        right = send(root, "--recipients", recipients, "--smtp", url,
                     env={**trust, "AGORA_SMTP_PASSWORD": "s3cret pass"})
        assert right.code == 0, right.output
        assert logins[-1] == (b"news@hub", b"s3cret pass")
        assert len(script.received["a@members.example.net"]) == 1
        assert "s3cret" not in wrong.output + right.output
    finally:
        controller.stop()
