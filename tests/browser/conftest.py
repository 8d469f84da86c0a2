"""A real browser: Debian's Chromium driven by Playwright, against JupyterLab started from the project's
.venv on 127.0.0.1 with a token, in temporary settings, runtime and workspace directories.

Playwright never downloads a browser here: the test installs Debian's ``chromium`` and ``fonts-noto-cjk``
with apt when they are missing (CI runs as root and reaches Debian's packages), and fails with a clear
message when it cannot. JupyterLab serves a temporary copy of the notebooks, so nothing it saves can
touch the committed ones, and is stopped by its PID (its whole process group) at the end.
"""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from toolkit import paths

APT_PACKAGES = ("chromium", "fonts-noto-cjk")
SCREENSHOTS = paths.PROJECT_ROOT / "build" / "screenshots"
START_TIMEOUT = 90  # seconds for JupyterLab to answer
#: A laptop's screen: the explorer must fit it with no label or button text cut.
VIEWPORT_WIDTH = 1280


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _cjk_font() -> bool:
    try:
        listed = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "CJK" in listed.stdout


def _apt_install(packages) -> str:
    """Install Debian packages; '' on success, else why not."""
    if shutil.which("apt-get") is None:
        return "apt-get is not available (not a Debian-like system)"
    if os.geteuid() != 0:
        return "apt-get needs root (run `sudo apt-get install " + " ".join(packages) + "`)"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", *packages]):
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=900, env=env)
        except subprocess.TimeoutExpired:
            return f"`{' '.join(command)}` took more than 15 minutes"
        if done.returncode != 0 and command[1] == "install":
            return f"`{' '.join(command)}` failed: {done.stderr.strip().splitlines()[-1:] or done.returncode}"
    return ""


@pytest.fixture(scope="session")
def chromium() -> str:
    """The path of Debian's Chromium, with a CJK font installed; installed with apt when missing."""
    missing = [p for p, ok in (("chromium", _chromium() is not None), ("fonts-noto-cjk", _cjk_font())) if not ok]
    if missing:
        why = _apt_install(missing)
        if why or _chromium() is None:
            pytest.fail(f"the browser test needs Debian's {' and '.join(missing)}, which could not be installed: "
                        f"{why or 'chromium still not found on PATH'}", pytrace=False)
    return _chromium()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """A JupyterLab server on a copy of notebooks/: yields (base URL, token, root folder)."""
    root = tmp_path_factory.mktemp("lab-root")
    for notebook in paths.NOTEBOOKS_DIR.glob("[0-9][0-9]-*.ipynb"):
        shutil.copy2(notebook, root / notebook.name)
    home = tmp_path_factory.mktemp("lab-home")
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(home / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
               PYTHONHASHSEED="0")
    settings = home / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false", "checkForUpdates": false}')
    port, token = _free_port(), secrets.token_hex(16)
    jupyter = Path(sys.executable).parent / "jupyter"
    log = open(home / "lab.log", "w")
    command = [str(jupyter), "lab", "--no-browser", "--ip", "127.0.0.1", "--port", str(port),
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
               "--ServerApp.port_retries=0", "--LabApp.news_url=", "--LabApp.check_for_updates_class="
               "jupyterlab.NeverCheckForUpdate"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"JupyterLab exited ({process.returncode}); its log: {(home / 'lab.log').read_text()[-2000:]}",
                            pytrace=False)
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer on {url} within {START_TIMEOUT} s", pytrace=False)
            time.sleep(0.5)
        yield url, token, root
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)  # JupyterLab and its kernels, by the PID we started
            process.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": VIEWPORT_WIDTH, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()
