"""What the Playwright tests share: Debian's Chromium, the marks that skip without it, screenshots."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's Chromium is not installed"),
]


def screenshots_dir(area: str) -> Path:
    path = Path(os.environ.get("PLAYWRIGHT_SCREENSHOT_DIR", "test-artifacts/screenshots")) / area
    path.mkdir(parents=True, exist_ok=True)
    return path
