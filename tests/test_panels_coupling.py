"""Headless tests of lesson 02's panels: each control moves the numbers it should."""

import numpy as np
import pytest

from servicelab import panels

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def coupling():
    return panels.temporal_coupling()


def test_email_slowdown_moves_sync_waits_and_not_async_ones(coupling):
    coupling.set(email_slowdown=1)
    before = dict(coupling.data)
    png_before = coupling.png
    coupling.set(email_slowdown=10)
    after = coupling.data
    assert after["sync_p50"] > before["sync_p50"] + 500  # ~9 × the 88 ms median email
    assert after["async_p50"] == before["async_p50"]  # same random numbers, untouched
    assert after["email_async_p50"] > before["email_async_p50"] + 500  # the email itself lags
    assert coupling.png.startswith(PNG) and coupling.png != png_before
    assert f"sync {after['sync_p50']:,.0f}" in coupling.summary
    coupling.set(email_slowdown=1)


def test_payment_latency_moves_both_styles(coupling):
    coupling.set(payment_ms=150)
    before = dict(coupling.data)
    coupling.set(payment_ms=300)
    for style in ("sync", "async"):
        assert coupling.data[f"{style}_p50"] > before[f"{style}_p50"] + 100
    coupling.set(payment_ms=150)


def test_overload_only_sync_waits_for_shows_async_alone_and_recovers(coupling):
    # Email is a side effect in async: users stay fast while emails fall behind
    coupling.set(arrival_rate=20, email_slowdown=20)
    assert coupling.message == "" and coupling.data["sync"] is None
    assert "Sync is not shown" in coupling.summary
    coupling.set(arrival_rate=5, email_slowdown=1)
    assert coupling.message == "" and coupling.data["sync_p50"] > 0
    assert coupling.image.layout.display is None


def test_a_service_at_or_over_capacity_is_refused_with_an_article_by_its_name(coupling):
    # 5/s, 95 % of them past Payment, at 2,000 ms each: Email is 95 % busy, shown
    coupling.set(arrival_rate=5, email_ms=200, email_slowdown=10)
    assert coupling.message == "" and "Email is 95 % busy" in coupling.summary
    coupling.set(arrival_rate=20, payment_ms=500, email_ms=100, email_slowdown=1)
    assert "each holding a Payment worker" in coupling.message
    coupling.set(arrival_rate=5, payment_ms=150)
    assert coupling.message == ""


@pytest.mark.parametrize(
    "settings, busy",
    [
        (dict(arrival_rate=20, email_ms=480), "Email is 91 % busy"),
        (dict(arrival_rate=10, email_ms=330, email_slowdown=3), "Email is 94 % busy"),
        (dict(arrival_rate=20, payment_ms=400, inventory_ms=400, email_ms=180), "Order (sync)"),
    ],
)
def test_a_busy_but_stable_service_is_shown_with_a_note(settings, busy):
    p = panels.temporal_coupling(**settings)
    assert p.message == "" and p.png.startswith(PNG)
    assert busy in p.summary and "waits grow steeply" in p.summary
    assert p.data["sync_p99"] < 10_000  # 300 orders: long waits, not endless ones
    p.set(arrival_rate=5, email_ms=100, email_slowdown=1, payment_ms=150, inventory_ms=60)
    assert "Note" not in p.summary


def test_unknown_control_is_named():
    with pytest.raises(ValueError, match="^control = 'speed' is not allowed"):
        panels.tail_amplification().set(speed=3)


def test_timeline_shows_the_sync_user_blocked_by_a_slow_email():
    p = panels.request_timeline()
    before = dict(p.data)
    p.set(email_slowdown=10)
    assert p.data["sync_wait"] > before["sync_wait"] + 300
    assert p.data["async_wait"] == before["async_wait"]
    # the async user is answered before the downstream work is done
    assert p.data["async_done"] > p.data["async_wait"]
    p.set(order=5)
    assert p.data["order"] == 4 and p.summary.startswith("Sync: the user waits")


def test_tail_amplification_grows_with_the_chain():
    p = panels.tail_amplification(n_services=1)
    one = p.data["share"]
    p.set(n_services=8)
    eight = p.data["share"]
    assert one == pytest.approx(0.01, abs=0.006)
    assert eight == pytest.approx(1 - 0.99**8, abs=0.02)
    assert p.data["chain_p99"] > 3 * p.data["one_p99"]
    shares = p.data["shares"]
    assert np.all(np.diff(shares) >= 0)  # a longer chain never meets fewer slow calls
