"""PyInstaller runtime hook (the first): native libraries and Python modules from a per-build
user cache.

The logic is in plain modules, `native_cache.py` and `code_cache.py`, which the spec packs into
the bundle: runtime hooks share the `__main__` namespace, where a later script could rebind the
names they use.
"""

import code_cache
import native_cache

code_cache.install_frozen(native_cache.install_frozen())
