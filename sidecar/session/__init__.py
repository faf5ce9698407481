"""The signed-in session: the one source of Tracker credentials, and where it is kept.

    manager.py        SessionManager: sign-in/out, refresh before expiry and after a 401,
                      the CredentialsProvider the Tracker client asks before every attempt
    stores.py         the stored session format, the SessionStore protocol, the memory store
    keyring_store.py  the OS secret store (`--secrets keyring`), loaded only when used

Must not know: HTTP or OAuth (the refresh rule is injected, see `handlers/auth.make_refresher`).
Imports nothing here, so using the manager never loads the keyring.
"""
