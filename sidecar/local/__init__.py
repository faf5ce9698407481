"""Local state: what the sidecar keeps on this machine besides the session.

    config_file.py   the YTracker app's `config.json` (defaults, normalisation, atomic saves)

Must not know: Tracker, HTTP or the wire; handlers use these through `Deps`.
"""
