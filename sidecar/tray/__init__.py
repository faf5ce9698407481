"""The tray and the desktop notifications the old app's native loop showed, as wire messages.

Pure pieces: `texts` (every string, cut and formatted as the old app did), `menu` (the menu
state), `schedule` (reminders and the workday wrap-up), `changes` (what changed in your issues
between two refreshes, and the writes of our own that must not be announced). `service` runs
them: the background refresh, the minute loop, the reminders. Must not know: HTTP, JSON-RPC or
how the handlers fetch what the service asks its `TraySource` for.
"""
