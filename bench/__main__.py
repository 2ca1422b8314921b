"""Entry point of ``python -m bench``: runs the checkout overhead benchmark.

``--quick`` uses fewer repeats, for a fast look rather than a careful one.
"""

from __future__ import annotations

import argparse

from . import checkout_overhead


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{checkout_overhead.QUICK_REPEATS} repeats instead of {checkout_overhead.REPEATS}",
    )
    args = parser.parse_args(argv)
    checkout_overhead.main(quick=args.quick)


if __name__ == "__main__":
    main()
