"""Who the demo signs in as: the demo's token, organization, login and OAuth app.

Imports nothing, so `--demo` can sign in and announce `ready` before the sandbox itself (and
aiohttp's web server with it) has loaded. `seed_demo.py` builds the data around these.
"""

DEMO_TOKEN = "demo-token"
DEMO_ORG_ID = "1234567"
DEMO_LOGIN = "sam"
DEMO_CLIENT_ID = "demo-client-id"
DEMO_CLIENT_SECRET = "demo-client-secret"
