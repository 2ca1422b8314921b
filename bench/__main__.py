"""Entry point of ``python -m bench``: runs the benchmarks.

* ``checkout`` — the kit's checkout against a hand-written simpy model;
* ``panels`` — every panel's redraw against a naive ``interact`` redraw;
* ``flowmap`` — the flow map's frame (blitted) against a naive full redraw,
  printed beside the panels (``--only panels`` runs both).

``--quick`` uses fewer repeats, for a fast look rather than a careful one;
``--only checkout``, ``--only panels`` or ``--only flowmap`` runs one of them.
"""

from __future__ import annotations

import argparse

from . import checkout_overhead, flowmap, panels


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{checkout_overhead.QUICK_REPEATS} repeats instead of {checkout_overhead.REPEATS}",
    )
    parser.add_argument(
        "--only", choices=("checkout", "panels", "flowmap"), help="run one benchmark"
    )
    args = parser.parse_args(argv)
    if args.only in (None, "checkout"):
        checkout_overhead.main(quick=args.quick)
    if args.only is None:
        print()
    if args.only in (None, "panels"):
        panels.main()
        print()
    if args.only in (None, "panels", "flowmap"):
        flowmap.main()


if __name__ == "__main__":
    main()
