"""ytracker-sidecar: the YTracker app's Yandex Tracker backend as a JSON-RPC 2.0 stdio process."""

__version__ = "0.1.0"
PROTOCOL_VERSION = "1.1"
