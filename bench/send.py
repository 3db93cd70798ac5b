"""Sending speed: `agora send` of the demo's newest issue to N recipients (default 10,000, six languages, nine in
ten with their own unsubscribe link) through a loopback SMTP sink that accepts everything.

    .venv/bin/python bench/send.py [--recipients 10000] [--connections 4] [--dkim]

Target: at least 200 messages per second with 4 connections on the 2-core reference machine. The sink (aiosmtpd's
SMTP protocol, accepting everything) runs in processes of its own, two by default sharing the port as a real
relay's workers would (`SO_REUSEPORT`): at about 3 ms of CPU per 45 kB message, one sink process alone would be
the bottleneck rather than `agora send`. `agora send` runs as the CLI
does, with its ledger in a temporary folder; the figures are

- `msg_per_s`: messages over the sending phase (from the first message handed to SMTP to the last reply, as
  the progress line reports it: rendering and start-up excluded);
- `wall_s`: the whole command, start-up, loading and rendering included;
- `peak_mb`: the peak resident memory of the `agora send` process (ru_maxrss of the reaped children);
- `cpu_ms_per_msg`: CPU time per message of `agora send` and of the sink, which says what the machine could do
  when it is not shared (the reference machine's 2 CPUs often run other work: the load average is printed).

`--dkim` signs every message with a fresh 2048-bit key (dkimpy, pure Python: much slower; see README).
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGS = ("en", "nb", "sv", "pl", "el", "sl")
TARGET = 200
SINK = """
import asyncio, resource, sys
from aiosmtpd.smtp import SMTP

class Sink:
    count = 0
    async def handle_DATA(self, server, session, envelope):
        Sink.count += 1
        return "250 2.0.0 Ok"

async def serve(port):
    # reuse_port: several sink processes listen on one port and the kernel spreads the connections among them
    server = await asyncio.get_running_loop().create_server(lambda: SMTP(Sink()), "127.0.0.1", port,
                                                             reuse_port=True)
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the benchmark closes stdin
    server.close()

asyncio.run(serve(int(sys.argv[1])))
usage = resource.getrusage(resource.RUSAGE_SELF)
print(Sink.count, usage.ru_utime + usage.ru_stime, flush=True)
"""


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--recipients", type=int, default=10_000)
    options.add_argument("--connections", type=int, default=4)
    options.add_argument("--dkim", action="store_true", help="sign every message (DKIM, dkimpy)")
    options.add_argument("--sinks", type=int, default=2, help="sink processes sharing the port (default 2)")
    args = options.parse_args()

    work = Path(tempfile.mkdtemp(prefix="agora-bench-send-"))
    try:
        community = work / "community"
        community.mkdir()
        for part in ("mkdocs.yml", "content", "newsletters", "locales", "docs"):
            source = ROOT / part
            (shutil.copytree if source.is_dir() else shutil.copy2)(source, community / part)
        issue = sorted(p.stem for p in (community / "newsletters").glob("*.md") if p.stem.count(".") == 0)[-1]
        if args.dkim:
            key = work / "dkim.pem"
            key.write_bytes(subprocess.run(["openssl", "genrsa", "2048"], capture_output=True, check=True).stdout)
            config = community / "mkdocs.yml"
            config.write_text(config.read_text().replace(
                "        untranslated: default\n",
                f"        untranslated: default\n        dkim: {{domain: commonground.example.org, selector: agora, "
                f"key_file: {key}}}\n"))
        recipients = work / "recipients.csv"
        with recipients.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["email", "language", "name", "unsubscribe_url"])
            for n in range(args.recipients):
                link = "" if n % 10 == 9 else f"https://lists.example.net/u/{n:06d}?t=bench"
                writer.writerow([f"member{n}@example.net", LANGS[n % 6], f"Member {n}" if n % 3 == 0 else "", link])

        port = free_port()
        sinks = [subprocess.Popen([sys.executable, "-c", SINK, str(port)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True) for _ in range(args.sinks)]
        for sink in sinks:
            assert sink.stdout is not None and sink.stdout.readline().strip() == "ready"
        load = os.getloadavg()[0]
        started = time.perf_counter()
        agora = subprocess.Popen([sys.executable, "-m", "generator", "send", issue, "--root", str(community),
                                  "--recipients", str(recipients), "--smtp", f"smtp://127.0.0.1:{port}",
                                  "--connections", str(args.connections), "--ledger", str(work / "sends.sqlite")],
                                 cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        stdout, stderr = agora.communicate()
        wall = time.perf_counter() - started
        # Reaped so far: openssl (with --dkim) and agora, not yet the sink: the peak is agora's, the CPU time
        # (all but a few milliseconds of openssl) too.
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        received = sink_cpu = 0.0
        for sink in sinks:
            sink.stdin.close()
            count, cpu = sink.stdout.readline().split()
            received, sink_cpu = received + int(count), sink_cpu + float(cpu)
            sink.wait(30)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if agora.returncode != 0:
        print(stdout + stderr, file=sys.stderr)
        return 1
    rates = re.findall(r"([\d,]+) msg/s", stderr)
    rate = float(rates[-1].replace(",", "")) if rates else 0.0
    peak = f"{children.ru_maxrss / 1024:.0f}"
    received = int(received)
    agora_ms = (children.ru_utime + children.ru_stime) * 1000 / max(received, 1)
    sink_ms = float(sink_cpu) * 1000 / max(received, 1)
    print(f"issue {issue}  recipients {args.recipients:,}  connections {args.connections}  dkim {args.dkim}  "
          f"received {received:,}")
    print(f"msg_per_s {rate:,.0f}  wall_s {wall:.1f}  peak_mb {peak}  (target: >= {TARGET} msg/s)")
    print(f"cpu_ms_per_msg agora {agora_ms:.2f} (start-up and rendering included)  sink {sink_ms:.2f}  "
          f"load_avg_at_start {load:.1f} on {os.cpu_count()} CPUs")
    return 0 if rate >= TARGET and received == args.recipients else 1


if __name__ == "__main__":
    raise SystemExit(main())
