"""The ``patt`` console script.

Start-up builds about a million objects that live as long as the process (modules, mapped
models, routes, templates). The cyclic garbage collector would walk them again and again while
they are being built, about a tenth of `patt serve`'s start. So the collector is off from here
until the command is known: `patt serve` and `patt demo` turn it back on once their web app is
built and freeze what start-up made (later collections and forked workers skip it), `patt worker`
freezes it before running jobs; every other command turns it on before it runs
(``patt_host.cli.base.cli``).
"""

from __future__ import annotations

import gc


def main() -> None:
    gc.disable()
    try:
        from patt_host.cli import cli

        cli()
    finally:
        gc.enable()


def startup_done() -> None:
    """Turn the collector back on and move everything start-up made out of its sight.

    No ``gc.collect()`` first: one full collection walks every object start-up made (about a
    tenth of `patt serve`'s start, 0.13 s of CPU on the benchmark machine) to find about 1,900
    unreachable ones (~0.35 MiB: temporary classes and closures of imports and route building;
    ``tests/host/test_startup_gc.py`` keeps that bound). Freezing them with the rest costs that
    memory once, for the life of the process; what the process makes afterwards is collected
    as usual.
    """
    gc.freeze()
    gc.enable()
