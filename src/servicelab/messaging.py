"""Asynchronous messaging: queues and topics.

A :class:`Queue` holds messages until a consumer takes one. Consumers
*compete*: each worker of the consuming service takes the next message, so
work spreads over them. A message is **acknowledged** when its work succeeds;
when the work fails the message comes back after ``redelivery_ms`` for
another try, and after ``max_attempts`` tries it goes to the **dead-letter**
list, where a human can look at it. Nothing is ever silently dropped.

A bounded queue (``capacity``) pushes back: a publisher waits for room
(``on_full="block"``) or is refused (``on_full="reject"``).

A :class:`Topic` is publish/subscribe: every subscriber has a queue of its
own and gets every message published after it subscribed.

When the consuming service is down, what its consumers do depends on what is
down (:attr:`~servicelab.faults.Faults.down`): if its whole process is down
they stop pulling, messages wait in the queue and are processed when it comes
back; if only its database is down they keep pulling, every try fails at once,
and each message is redelivered until it is dead-lettered (with 5 tries
1 s apart, about 4 s after its first try).

Invariant (see :meth:`Queue.accounting`): every message accepted by a queue is
acknowledged, dead-lettered, waiting in the queue, being processed, or waiting
to be redelivered — exactly one of them, at every step of a run. A message
moves between these states in the same simulation step as its counters: it
is counted as published (or redelivered) the moment it enters the queue and
as in process the moment a consumer takes it, not when the publisher or the
consumer next runs, so a run cut short anywhere still balances. A message a
publisher is still waiting to put into a full queue has not entered it yet:
its order is in flight, and the queue has not accepted it.
"""

from __future__ import annotations

import math
from collections import deque

import simpy

from . import _check
from .faults import Faults
from .latency import Latency, as_latency
from .records import Accounting
from .service import OK, Service
from .world import MAX_KEY, World

__all__ = ["Message", "Queue", "Topic"]

#: A queue holds at most this many messages when bounded.
MAX_CAPACITY = 10_000_000

_NAN = float("nan")


class Message:
    """One message: the key of the request it is about, and its delivery tries."""

    __slots__ = ("key", "attempts", "published_ms", "started_ms")

    def __init__(self, key: int, published_ms: float):
        self.key = key
        self.attempts = 0
        #: when it entered its queue
        self.published_ms = published_ms
        #: when a consumer last started working on it
        self.started_ms = _NAN

    def __repr__(self):
        return f"Message(key={self.key}, attempts={self.attempts})"


class _Store(simpy.Store):
    """A FIFO store that counts a message's move in the step it happens.

    simpy moves an item into a store when a put is *triggered* and out of it
    when a get is triggered; the processes that made the put and the get run
    a step later. Counting there would leave a message in no state (taken,
    not yet in process) or in two (entered, still awaiting redelivery) at a
    cut. Items are a deque: taking the head is O(1) however long the queue.
    """

    def __init__(self, queue: Queue, capacity: float):
        super().__init__(queue.world.env, capacity)
        self.items = deque()
        self._queue = queue
        # simpy binds its event makers to the instance only for a class's own
        # attributes: bind the inherited ones too (one descriptor call less a message)
        self.put, self.get = self.put, self.get

    def _do_put(self, event):
        items = self.items
        if len(items) < self._capacity:
            message = event.item
            items.append(message)
            event.succeed()
            q = self._queue
            if message.attempts:  # back from a failed try
                q.awaiting_redelivery -= 1
                q.redelivered += 1
            else:  # a new message: accepted now
                message.published_ms = self._env.now
                q.published += 1

    def _do_get(self, event):
        items = self.items
        if items:
            event.succeed(items.popleft())
            self._queue.in_process += 1


class Queue:
    """A message queue with competing consumers, acks, redelivery and dead letters.

    Parameters
    ----------
    world:
        The world it lives in.
    name:
        Its name.
    capacity:
        Most messages it holds (``None``: unbounded).
    on_full:
        ``"block"``: a publisher waits for room; ``"reject"``: it is refused.
    max_attempts:
        Tries before a message is dead-lettered (1 to 100).
    redelivery_ms:
        How long a failed message waits before it is delivered again, in ms.
    publish_latency:
        The publisher's cost of handing a message to the broker, in ms.
    """

    def __init__(
        self,
        world: World,
        name: str,
        capacity: int | None = None,
        *,
        on_full: str = "block",
        max_attempts: int = 5,
        redelivery_ms: float = 1000.0,
        publish_latency: Latency | float = 0.0,
    ):
        if not isinstance(world, World):
            raise _check.fail("world", world, "a servicelab World")
        self.world = world
        self.name = _check.text("name", name)
        if capacity is None:
            self.capacity = math.inf
        else:
            self.capacity = _check.integer("capacity", capacity, low=1, high=MAX_CAPACITY)
        self.on_full = _check.choice("on_full", on_full, ("block", "reject"))
        self._rejects = self.on_full == "reject"
        self._unbounded = math.isinf(self.capacity)
        self.max_attempts = _check.integer("max_attempts", max_attempts, low=1, high=100)
        self.redelivery_ms = _check.number("redelivery_ms", redelivery_ms, low=0.0, high=3.6e6)
        self.publish_latency = as_latency(publish_latency, "publish_latency")
        self._env = world.env
        self.consumers: list[Service] = []
        self.published = 0
        self.rejected = 0
        self.acked = 0
        self.redelivered = 0
        self.in_process = 0
        self.awaiting_redelivery = 0
        self.dead_letters: list[Message] = []
        self.store = _Store(self, self.capacity)
        self._publish_ms = world.draws(f"publish:{self.name}", self.publish_latency.sample)

    # -- state -------------------------------------------------------------------
    @property
    def depth(self) -> int:
        """Messages waiting in the queue."""
        return len(self.store.items)

    @property
    def backlog(self) -> int:
        """Messages not yet acknowledged or dead-lettered (waiting, in process, or to redeliver)."""
        return len(self.store.items) + self.in_process + self.awaiting_redelivery

    def accounting(self) -> Accounting:
        """Where every accepted message is now; balances when nothing vanished."""
        return Accounting(
            f"messages in {self.name}",
            self.published,
            {
                "acknowledged": self.acked,
                "dead-lettered": len(self.dead_letters),
                "waiting": len(self.store.items),
                "in process": self.in_process,
                "awaiting redelivery": self.awaiting_redelivery,
            },
        )

    # -- publishing --------------------------------------------------------------
    def publish(self, key: int, *, pay_latency: bool = True):
        """Publish a message about ``key`` (a simpy sub-generator).

        Returns True if the queue accepted it, False if it was full and
        rejects. ``pay_latency=False`` skips the broker hand-off cost (a
        :class:`Topic` pays it once for all its queues). ``key`` is a whole
        number from 0 to ``MAX_KEY`` (1,000,000).
        """
        if key.__class__ is not int or key < 0 or key > MAX_KEY:
            key = _check.index("key", key, MAX_KEY)
        if pay_latency:
            delay = self._publish_ms[key]
            if delay:
                yield self.world.env.timeout(delay)
        entered = self._offer(key)
        if entered is True or entered is False:
            return entered
        yield entered
        return True

    def _offer(self, key: int):
        """Offer a message about ``key`` now: the one way a message enters (not a generator).

        A message is stamped (``published_ms``) and counted as published when
        it enters (see :class:`_Store`). Returns True if it is in and there is
        nothing to wait for (an unbounded queue), False if the queue is full
        and rejects it, or (a bounded queue) its put event, for the publisher
        to ``yield``: the message is in already, and the wait lets an idle
        consumer take it before the next offer, or the queue is full and
        blocks, and the message enters when there is room.
        """
        store = self.store
        if self._unbounded:  # always room: in now, without waiting on the put
            store.put(Message(key, _NAN))
            return True
        if self._rejects and len(store.items) >= self.capacity:
            self.rejected += 1
            return False
        return store.put(Message(key, _NAN))

    # -- consuming ---------------------------------------------------------------
    def consume(self, service: Service, on_ack=None, on_dead_letter=None) -> None:
        """Let every worker of ``service`` consume this queue.

        ``on_ack(message, now_ms)`` is called when a message's work succeeds,
        ``on_dead_letter(message, now_ms)`` when its last try failed and it
        goes to the dead letters.
        """
        if not isinstance(service, Service):
            raise _check.fail("service", service, "a Service")
        for name, hook in (("on_ack", on_ack), ("on_dead_letter", on_dead_letter)):
            if hook is not None and not callable(hook):
                raise _check.fail(name, hook, "None or a function of (message, now_ms)")
        self.consumers.append(service)
        for _ in range(service.workers):
            self.world.process(self._consumer(service, on_ack, on_dead_letter))

    def _consumer(self, service: Service, on_ack, on_dead_letter):
        env = self.world.env
        get = self.store.get
        faults = service.faults
        watch_outages = faults.consumers_pause  # False if only its database is down
        healthy = service.healthy
        healthy_work = service.healthy_work
        start_consuming, stop_consuming = service.start_consuming, service.stop_consuming
        while True:
            if watch_outages and faults.is_down(env.now):
                yield self._until_up(service)
            message = yield get()  # counted in process when taken (see _Store)
            start_consuming()
            if watch_outages and faults.is_down(env.now):
                # the outage began while this consumer waited: hold the message, unacked
                yield self._until_up(service)
            message.started_ms = env.now
            if healthy:  # the common case, without a sub-generator
                yield healthy_work(message.key, message.attempts)
                outcome = OK
            else:
                outcome = yield from service.serve(message.key, message.attempts)
            stop_consuming()
            self.in_process -= 1
            if outcome == OK:
                self.acked += 1
                if on_ack is not None:
                    on_ack(message, env.now)
            else:
                message.attempts += 1
                if message.attempts >= self.max_attempts:
                    self.dead_letters.append(message)
                    if on_dead_letter is not None:
                        on_dead_letter(message, env.now)
                else:
                    self.awaiting_redelivery += 1
                    self.world.process(self._redeliver(message))

    def _until_up(self, service: Service):
        env = self.world.env
        up = service.faults.up_at(env.now)
        if math.isinf(up):
            return env.event()  # never fires: the service never comes back
        return env.timeout(up - env.now)

    def _redeliver(self, message: Message):
        yield self.world.env.timeout(self.redelivery_ms)
        yield self.store.put(message)  # counted when it enters (see _Store)

    def __repr__(self):
        return f"Queue({self.name!r}, depth={self.depth}, published={self.published})"


class Topic:
    """Publish/subscribe: every subscriber's queue gets every message.

    ``publish_latency`` is the publisher's cost of one hand-off to the broker,
    paid once per message however many subscribers there are. ``outages``
    (a :class:`~servicelab.faults.Faults` of outage windows) takes the broker
    down: a publish then fails at once and no subscriber gets the message.
    """

    def __init__(
        self,
        world: World,
        name: str,
        publish_latency: Latency | float = 0.0,
        *,
        outages: Faults | None = None,
    ):
        if not isinstance(world, World):
            raise _check.fail("world", world, "a servicelab World")
        if outages is not None and not isinstance(outages, Faults):
            raise _check.fail("outages", outages, "None or a Faults of outage windows")
        self.world = world
        self.name = _check.text("name", name)
        self.publish_latency = as_latency(publish_latency, "publish_latency")
        self.outages = outages if outages is not None and outages.outages else None
        self.queues: dict[str, Queue] = {}
        self.published = 0
        self.refused = 0  # publishes that found the broker down
        self._publish_ms = world.draws(f"publish:{self.name}", self.publish_latency.sample)

    def subscribe(self, name: str, **queue_options) -> Queue:
        """A new subscriber queue called ``name`` (options as for :class:`Queue`)."""
        _check.text("name", name)
        if name in self.queues:
            raise _check.KitValueError(
                f"name = {name!r} is not allowed: topic {self.name!r} already has a "
                f"subscriber of that name."
            )
        queue = Queue(self.world, f"{self.name}/{name}", **queue_options)
        self.queues[name] = queue
        return queue

    def is_down(self) -> bool:
        """Is the broker down now (in one of its ``outages``)?"""
        return self.outages is not None and self.outages.is_down(float(self.world.env.now))

    def publish(self, key: int):
        """Publish a message about ``key`` to every subscriber (a simpy sub-generator).

        Returns how many subscriber queues accepted it (0 while the broker is
        down). ``key`` is a whole number from 0 to ``MAX_KEY`` (1,000,000).
        """
        if key.__class__ is not int or key < 0 or key > MAX_KEY:
            key = _check.index("key", key, MAX_KEY)
        if self.outages is not None and self.is_down():
            self.refused += 1
            return 0
        delay = self._publish_ms[key]
        if delay:
            yield self.world.env.timeout(delay)
        self.published += 1
        accepted = 0
        for queue in self.queues.values():
            entered = queue._offer(key)
            if entered is True:
                accepted += 1
            elif entered is not False:  # a bounded queue: wait on the put, as Queue.publish
                yield entered
                accepted += 1
        return accepted
