"""Local state: what the sidecar keeps on this machine besides the session.

    config_file.py  the YTracker app's `config.json` (defaults, normalisation, atomic saves)
    timer.py        the work timer and its tick schedule
    downloads.py    where a downloaded attachment lands, written atomically
    file_names.py   an absolute path or a name to make safe (both platforms' syntax)
    leftovers.py    our temporary files left by a killed process, removed at start
    cache.py        the in-memory TTL caches of Tracker answers (issue lists, catalogs)
    offload.py      blocking file-system calls in daemon threads (a hung disk never stops us)

Must not know: Tracker, HTTP or the wire; handlers use these through `Deps`.
"""
