"""The code of every answer cell of solutions/*.ipynb (generated: do not edit).

Written by ``tools/build_exercises.py`` (``make exercises``) from the solutions
notebooks, the one source of the exercises; ``q.solution()`` shows these.
A test fails if this file is stale.
"""

__all__ = ["SOLUTIONS"]

SOLUTIONS = {
    "ex01.q1": """\
# the letter of the best reason, in quotes, e.g. "a"
why_callback = "b"
""",
    "ex01.q2": """\
# one entry per interaction above: "sync", "queue" or "callback"
my_labels = {
    "Get user by ID": "sync",
    "Stock update after an order": "queue",
    "Identity check by a partner": "callback",
    "Password check at login": "sync",
    "Orders to a partner's warehouse": "queue",
    "Search-index update": "queue",
}
""",
    "ex01.q3": '''\
def recommend(needs_result_now, can_be_queued):
    """The card's flowchart: "sync", "queue" or "callback"."""
    if needs_result_now:
        return "sync"
    if can_be_queued:
        return "queue"
    return "callback"
''',
    "ex01.q4": """\
# your prediction, in ms
saved_ms = 60 + 100 + 30 - 2  # Inventory + Email + Analytics, minus the publish
""",
    "ex01.q5": """\
# the letter of your answer, in quotes
tax_advice = "b"
""",
    "ex02.q1": """\
# the mean sync wait, in ms, with Email ten times slower
sync_wait_ms = m["order"] + m["payment"] + m["inventory"] + 10 * m["email"]
""",
    "ex02.q2": """\
# your prediction of the median async wait, in ms
async_p50_ms = m["order"] + m["payment"] + 2  # Email is not on the async user's path
""",
    "ex02.q3": '''\
def user_wait(latency, style):
    """The wait in ms of one user in a quiet shop; `latency` maps each step to ms."""
    if style == "sync":
        return sum(ms for step, ms in latency.items() if step != "publish")
    return latency["order"] + latency["payment"] + latency["publish"]
''',
    "ex02.q4": """\
# a fraction between 0 and 1
slow_share = 1 - 0.99**6
""",
    "ex02.q5": """\
# the letter of your answer, in quotes
decline_heard = "c"
""",
    "ex03.q1": """\
# a fraction between 0 and 1
availability = 0.99**4
""",
    "ex03.q2": '''\
def checkout_success(availability, services, style):
    """Share of checkouts that succeed (between 0 and 1)."""
    if style == "sync":
        return availability**services
    return availability
''',
    "ex03.q3": """\
# your prediction: a fraction between 0 and 1
failed_share = 60 / 200  # orders that arrive while Inventory is down
""",
    "ex03.q4": """\
# W: how long one checkout holds an Order worker (ms); then L = λ × W, busy workers
hold_ms = pool.order_latency.mean_ms + 20 * pool.inventory_latency.mean_ms
busy_workers = 10 * hold_ms / 1000  # λ per second × W in seconds
""",
    "ex03.q5": """\
# the letter of your answer, in quotes
why_simple_fail = "b"
""",
    "ex03.q6": """\
timeout_ms = 400
retry = Retry(attempts=3, backoff_ms=50, jitter=1.0)
""",
}
