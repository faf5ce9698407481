"""PyInstaller runtime hook (the first): native libraries from a per-build user cache.

The logic is a plain module, `native_cache.py`, which the spec packs into the bundle: runtime
hooks share the `__main__` namespace, where a later script could rebind the names it uses.
"""

import native_cache

native_cache.install_frozen()
