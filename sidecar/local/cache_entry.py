"""One disk cache entry as a reader sees it: the value, when it was fetched, whether it is stale.

Owns: that shape, shared by the store files (`store_file.py`) and the folder that batches their
writes (`disk_cache.py`), without loading sqlite3. Must not know: what the value is.
"""

from __future__ import annotations

from typing import NamedTuple


class Entry(
    NamedTuple
):  # a NamedTuple: made at import, before `ready`, ~5x cheaper than a dataclass
    value: bytes
    stored_at: float  # wall-clock seconds: ages must survive a restart
    stale: bool
