"""The lessons as a learner's browser shows them: a real JupyterLab in headless Chromium.

nbval proves that cells execute; this proves that a learner *sees* what
they should: every lesson runs top to bottom in JupyterLab with no error
output and no "Error displaying widget", and every panel answers a control
moved with the keyboard by redrawing its image and rewriting its summary.

Runs against Debian's Chromium (``/usr/bin/chromium``) driven by Playwright.
Without Chromium or Playwright these tests are skipped with the reason; with
``SERVICELAB_BROWSER_TESTS=required`` (as ``.ci/run`` sets) a skip becomes a
failure. Screenshots go to ``build/screenshots/`` (printed at the end).

Pitfalls handled: JupyterLab runs with ``--allow-root`` and a temporary
root, settings and runtime directory; "Run All" is only clicked once the
kernel reports Idle (before that it is silently ignored); a slider redraw is
awaited until the image is stable.
"""

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

from servicelab.lessons import LESSONS as REGISTRY

ROOT = Path(__file__).resolve().parents[1]
#: every lesson's notebook and exercise notebook, from the registry, in learning order
LESSONS = [ROOT / lesson.notebook for lesson in REGISTRY]
EXERCISES = [ROOT / lesson.exercise_notebook for lesson in REGISTRY if lesson.has_exercises]
SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM = os.environ.get("SERVICELAB_CHROMIUM", "/usr/bin/chromium")
REQUIRED = os.environ.get("SERVICELAB_BROWSER_TESTS") == "required"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TOKEN = "servicelab-browser-test"

pytestmark = pytest.mark.browser


def _unavailable(reason: str):
    if REQUIRED:
        pytest.fail(f"browser tests are required here, but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def playwright_api():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install playwright)")
    if not Path(CHROMIUM).exists():
        _unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as api:
        yield api


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on 127.0.0.1 over a temporary copy of the lessons."""
    root = tmp_path_factory.mktemp("lab")
    for folder in ("notebooks", "exercises"):
        shutil.copytree(ROOT / folder, root / folder)
    settings = root / ".settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    # no news pop-up over the notebook
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(root / ".config"),
        JUPYTER_RUNTIME_DIR=str(root / ".runtime"),
    )
    log = open(root / "lab.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [
            sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
            f"--port={port}", "--ServerApp.ip=127.0.0.1", f"--ServerApp.token={TOKEN}",
            f"--ServerApp.root_dir={root}", f"--LabApp.user_settings_dir={root / '.settings'}",
            f"--LabApp.workspaces_dir={root / '.workspaces'}",
        ],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start; see {root / 'lab.log'}")
                time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="module", autouse=True)
def fresh_screenshots():
    """Start each run with an empty screenshot folder, so nothing stale is looked at."""
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)


@pytest.fixture(scope="module")
def browser(playwright_api):
    browser = playwright_api.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def _wait_idle(page, timeout_s: float) -> None:
    """Wait until *this* notebook's kernel is attached and idle (its toolbar indicator)."""
    page.wait_for_selector(
        ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator[data-status='idle']",
        timeout=timeout_s * 1000,
    )
    page.wait_for_selector("#jp-main-statusbar >> text=Idle", timeout=timeout_s * 1000)


def _run_all(page, timeout_s: float = 240) -> None:
    """Run every cell and wait until each code cell has its execution count."""
    _wait_idle(page, 90)  # "Run All" before the kernel is attached is ignored
    page.click(".lm-MenuBar-itemLabel:text-is('Run')")
    page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
    deadline = time.monotonic() + timeout_s
    while True:
        prompts = page.eval_on_selector_all(
            ".jp-Notebook .jp-CodeCell .jp-InputPrompt", "els => els.map(e => e.textContent)"
        )
        if prompts and all(p.strip()[1:-2].isdigit() for p in prompts):
            break
        if time.monotonic() > deadline:
            raise AssertionError(f"cells did not finish in {timeout_s:.0f} s: {prompts}")
        time.sleep(0.5)
    _wait_idle(page, 60)


def _stable(read, timeout_s: float = 20.0, settle_s: float = 0.6):
    """Poll ``read()`` until it returns the same value for ``settle_s``."""
    deadline = time.monotonic() + timeout_s
    last, since = read(), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.15)
        now = read()
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= settle_s:
            return now
    return last


def _until_changed(read, before, timeout_s: float = 30.0) -> None:
    """Poll ``read()`` until it differs from ``before`` (or the time is up)."""
    deadline = time.monotonic() + timeout_s
    while read() == before and time.monotonic() < deadline:
        time.sleep(0.1)


def _move_a_control(panel) -> str:
    """Move the panel's first slider one step with the keyboard (or click a toggle)."""
    handles = panel.locator(".noUi-handle")
    if handles.count():
        handle = handles.first
        handle.focus()
        low, high, now = (
            float(handle.get_attribute(a))
            for a in ("aria-valuemin", "aria-valuemax", "aria-valuenow")
        )
        handle.press("ArrowLeft" if now >= high else "ArrowRight")
        return "slider"
    buttons = panel.locator(".widget-toggle-button:not(.mod-active)")
    if buttons.count():
        buttons.first.click()
        return "toggle"
    select = panel.locator("select")
    options = select.first.locator("option")
    select.first.select_option(index=1 if options.count() > 1 else 0)
    return "dropdown"


@pytest.mark.parametrize("notebook", LESSONS, ids=lambda p: p.stem)
def test_lesson_runs_and_every_panel_responds(notebook, lab, browser):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    shot = SCREENSHOTS / f"{notebook.stem}.png"
    try:
        # a workspace of its own, so no other notebook's tab or kernel is in the way
        workspace = f"{lab}/lab/workspaces/{notebook.stem}"
        page.goto(f"{workspace}/tree/notebooks/{notebook.name}?reset&token={TOKEN}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
        _run_all(page)
        errors = page.locator("[data-mime-type='application/vnd.jupyter.stderr']")
        assert errors.count() == 0, f"error output in {notebook.name}: {errors.first.inner_text()}"
        body = page.inner_text(".jp-Notebook")
        for bad in ("Error displaying widget", "model not found", "Traceback"):
            assert bad not in body, f"{notebook.name} shows {bad!r}"
        panels = page.locator(".jp-OutputArea-output .widget-vbox:has(.widget-image)")
        for k in range(panels.count()):
            panel = panels.nth(k)
            panel.scroll_into_view_if_needed()
            image = panel.locator(".widget-image").first
            summary = panel.locator(".widget-html-content").last

            def state(image=image, summary=summary):
                return image.get_attribute("src"), summary.inner_text()

            before = _stable(state)
            kind = _move_a_control(panel)
            _until_changed(state, before)
            after = _stable(state)  # a slider may redraw more than once: wait until it settles
            assert after[0] != before[0], f"{notebook.name} panel {k + 1}: image unchanged ({kind})"
            assert after[1] != before[1], (
                f"{notebook.name} panel {k + 1}: summary unchanged ({kind})"
            )
            panel.screenshot(path=str(SCREENSHOTS / f"{notebook.stem}-panel{k + 1}.png"))
        page.screenshot(path=str(shot))
    except Exception:
        page.screenshot(path=str(SCREENSHOTS / f"{notebook.stem}-FAILED.png"))
        raise
    finally:
        page.close()


def test_flow_map_plays_pauses_and_scrubs(lab, browser):
    """Lesson 00's flow map: play moves it, pause holds it, the slider scrubs it, and a still
    map steps; each time the picture and the line of text under it change together."""
    notebook = ROOT / "notebooks" / "00_start_here.ipynb"
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{lab}/lab/workspaces/flow/tree/notebooks/{notebook.name}?reset&token={TOKEN}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
        _run_all(page)
        flow = page.locator(".jp-OutputArea-output .widget-vbox:has(.widget-play)").first
        flow.scroll_into_view_if_needed()
        image = flow.locator(".widget-image").first
        summary = flow.locator(".widget-html-content").last

        def state():
            return image.get_attribute("src"), summary.inner_text()

        start = _stable(state)
        assert start[1].startswith("At 0.0 s"), start[1]  # nothing plays by itself
        buttons = flow.locator(".widget-play button")
        buttons.nth(0).click()  # play
        _until_changed(state, start)
        playing = state()
        assert playing[0] != start[0] and playing[1] != start[1], "play did not move the map"
        _until_changed(state, playing, timeout_s=10)
        assert state() != playing, "the map stopped while playing"
        buttons.nth(1).click()  # pause
        paused = _stable(state, settle_s=1.5)
        time.sleep(1.5)
        assert state() == paused, "the map moved while paused"
        handle = flow.locator(".noUi-handle").first
        handle.focus()
        for _ in range(5):
            handle.press("ArrowRight")
        _until_changed(state, paused)
        scrubbed = _stable(state)
        assert scrubbed[0] != paused[0] and scrubbed[1] != paused[1], "scrubbing changed nothing"
        flow.locator(".widget-checkbox input").first.check()  # still pictures: no play button
        page.wait_for_timeout(500)
        assert not flow.locator(".widget-play").first.is_visible()
        flow.locator("button:has-text('step ▶')").first.click()
        _until_changed(state, scrubbed)
        stepped = _stable(state)
        assert stepped[0] != scrubbed[0] and stepped[1] != scrubbed[1], "a step changed nothing"
        flow.screenshot(path=str(SCREENSHOTS / "flow-map-00.png"))
    except Exception:
        page.screenshot(path=str(SCREENSHOTS / "flow-map-FAILED.png"))
        raise
    finally:
        page.close()


@pytest.mark.parametrize("notebook", EXERCISES, ids=lambda p: p.stem)
def test_untouched_exercises_run_and_say_not_attempted(notebook, lab, browser):
    """A learner who opens an exercise set and runs everything sees friendly checks, no error."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        workspace = f"{lab}/lab/workspaces/ex-{notebook.stem}"
        page.goto(f"{workspace}/tree/exercises/{notebook.name}?reset&token={TOKEN}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
        _run_all(page)
        errors = page.locator("[data-mime-type='application/vnd.jupyter.stderr']")
        assert errors.count() == 0, f"error output in {notebook.name}: {errors.first.inner_text()}"
        body = page.inner_text(".jp-Notebook")
        assert "Traceback" not in body and "Error displaying widget" not in body
        assert body.count("Not attempted") >= 4, "the checks' feedback is not shown"
        page.screenshot(path=str(SCREENSHOTS / f"exercises-{notebook.stem}.png"))
    except Exception:
        page.screenshot(path=str(SCREENSHOTS / f"exercises-{notebook.stem}-FAILED.png"))
        raise
    finally:
        page.close()
