"""Shared pytest configuration."""

from pathlib import Path

SCREENSHOTS = Path(__file__).resolve().parents[1] / "build" / "screenshots"


def pytest_terminal_summary(terminalreporter):
    shots = sorted(SCREENSHOTS.glob("*.png")) if SCREENSHOTS.exists() else []
    if shots:
        terminalreporter.write_line(f"browser screenshots ({len(shots)}): {SCREENSHOTS}")
