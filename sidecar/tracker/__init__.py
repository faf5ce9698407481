"""Talking to Yandex Tracker and Yandex OAuth over HTTPS.

Owns: the one pooled HTTP session, auth headers, the global cooldown, retries, the error
mapping and pagination helpers. Must not know: JSON-RPC, handlers, the frontend's DTOs or the
app wiring; nothing here imports from the rest of `sidecar` but the leaf `sidecar/errors.py`
(the base error and the local failures it raises, such as a bad URL or an unreadable file).
"""
