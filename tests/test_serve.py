"""`agora serve --lang sv`: the Swedish preview is rebuilt on every save and the open page reloads by itself."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright
from test_incremental import assert_same_tree

from conftest import ROOT, copy_demo

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
POST = Path("content/posts/2026/moderation-ladder-in-practice")
# Generous: a loaded CI machine rebuilds a language of the demo in seconds, not milliseconds.
RELOAD_MS = 120_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "agora serve stopped"
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"agora serve did not answer at {url} within {seconds} s")


@pytest.mark.browser
def test_a_save_shows_in_the_open_swedish_page(tmp_path):
    root = copy_demo(tmp_path / "c")
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--root", root, "--lang", "sv",
                               "--addr", f"127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT,
                              env={**os.environ, "SOURCE_DATE_EPOCH": "1795132800"})
    url = f"http://127.0.0.1:{port}/sv/posts/{POST.name}/"
    try:
        wait_for(url, server, 600)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            page = browser.new_page()
            page.goto(url)
            expect(page.locator("h1")).to_contain_text("moderationsstege")
            # The Swedish translation's body: the page shows the new paragraph without being reloaded by hand.
            translation = root / f"{POST}.sv.md"
            translation.write_text(translation.read_text() + "\nEn ny mening från förhandsgranskningen.\n")
            expect(page.locator("article")).to_contain_text("En ny mening från förhandsgranskningen.",
                                                            timeout=RELOAD_MS)
            # The English original's shared field (its tags) shows on the Swedish page too.
            original = root / f"{POST}.md"
            original.write_text(original.read_text().replace("tags: [moderation]", "tags: [moderation, preview]"))
            expect(page.locator("article")).to_contain_text("preview", timeout=RELOAD_MS)
            browser.close()
        # A build reads every input; the server must not take its own reads for saves and build forever.
        time.sleep(3)
        assert server.poll() is None
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    output = (tmp_path / "serve.log").read_text()
    assert "sv: " in output and "reused" in output, output  # the rebuilds were incremental
    assert output.count("building 1 language ") == 3, output  # the first build and one for each save
    assert not (root / "site").exists()  # the preview never touches the published output
    # The preview after two saves, built in one process that kept its renders, catalogs and items between builds,
    # is what a fresh process builds from the same inputs with no cache, byte for byte.
    fresh = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "generator", "build", "--root", root, "--lang", "sv", "--force",
                    "--out", fresh], check=True, capture_output=True,
                   env={**os.environ, "SOURCE_DATE_EPOCH": "1795132800"})
    assert_same_tree(root / ".cache" / "agora" / "serve" / "site", fresh)


def test_polling_serve_sees_a_save(tmp_path):
    """`--poll` (for folders the system cannot watch) still rebuilds on a save; no browser needed for the watcher."""
    root = tmp_path / "c"
    shutil.copytree(ROOT / "tests" / "fixtures" / "minimal", root)
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--root", root, "--lang", "sv", "--poll",
                               "--addr", f"127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT,
                              env={**os.environ, "SOURCE_DATE_EPOCH": "1795132800"})
    url = f"http://127.0.0.1:{port}/sv/posts/first-week/"
    try:
        wait_for(url, server, 300)
        translation = root / "content" / "posts" / "2026" / "first-week.sv.md"
        translation.write_text(translation.read_text() + "\nEn mening som pollningen hittar.\n")
        deadline = time.monotonic() + RELOAD_MS / 1000
        while time.monotonic() < deadline:
            with urllib.request.urlopen(url, timeout=5) as response:
                if "En mening som pollningen hittar." in response.read().decode("utf-8"):
                    break
            time.sleep(0.3)
        else:
            pytest.fail("the polling preview never showed the save")
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    output = (tmp_path / "serve.log").read_text()
    assert "looking for changes every 0.5 s (--poll)" in output, output
    assert output.count("building 1 language ") == 2, output  # the first build and the save's
