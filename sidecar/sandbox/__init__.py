"""The sandbox Tracker: one aiohttp engine that fakes the Yandex Tracker API and Yandex ID OAuth.

It serves the sidecar's `--demo` mode (plain HTTP on loopback, `demo_state()`) and the test
suite (HTTPS with a trustme CA, seeded by the tests themselves: `tests/fakes/seed.py` and
`tests/fakes/tracker.py`): `start(state)` serves whatever `TrackerState` it is given, so only the
demo's data ships. It depends only on aiohttp, msgspec and the standard library, and imports
nothing else from `sidecar`.

    state.py      TrackerState: data, knobs, tokens and OAuth grants, fault script, request log
    model.py      the stored records          timeutil.py  timestamps and working-time durations
    app.py        create_app(state)           server.py    start(state) → RunningServer
    auth.py       token and org-header rules  faults.py    scripted failures
    recording.py  the request log             errors.py    error bodies (English/Russian)
    render.py     wire shapes                 paging.py    page mode and id cursors
    query.py      query language / filters    patch.py     the PATCH grammar
    api_*.py      endpoints by domain         oauth.py     the `/oauth` stub
    seed_demo.py  demo_state()                images.py    tiny real PNGs
    seed_common.py  catalogs and workflow every seed shares
    demo_account.py  who the demo signs in as (imports nothing)

This `__init__` imports nothing: `--demo` reads `demo_account` before the rest has loaded.
"""
