"""`python -m sidecar`, the `ytracker-sidecar` console script and the frozen binary's entry.

The start runs without the cyclic garbage collector: importing the modules behind `ready` made
~40 collections (~5 ms of every start) for garbage a start hardly leaves. `sidecar/app.py` turns
it back on once the start is over (when the Tracker half begins to load), after freezing what
the start built so later collections do not walk it again.
"""

import gc

gc.disable()

from sidecar.cli import main  # noqa: E402 (after the collector is off)

__all__ = ["main"]

if __name__ == "__main__":
    main()
