"""The newcomer's run command: one process tree serving the demo, stopped cleanly by Ctrl-C."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


def test_rundemo_serves_the_demo_and_stops_on_ctrl_c(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "DJANGO_"))}
    env["HELPDESK_VAR_DIR"] = str(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "manage.py", "rundemo", "--addr", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        status, body = 0, ""
        for _ in range(120):
            time.sleep(1)
            try:
                status, body = _get(f"http://127.0.0.1:{port}/t/saveit/")
                break
            except OSError:
                continue
        assert status == 200 and 'name="password"' in body
        assert _get(f"http://127.0.0.1:{port}/healthz/")[0] == 200
        assert _get(f"http://127.0.0.1:{port}/t/no-such-tenant/")[0] == 404
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert "admin@saveit.example" in output and f"http://127.0.0.1:{port}/t/saveit/" in output
    assert "Stopped." in output
    assert (tmp_path / "reglament.sqlite3").exists()
