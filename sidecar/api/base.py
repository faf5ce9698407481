"""Struct bases for the contract: results serialise every field; params ignore unknown keys.

Results never omit a field (`null` for absent values, `[]` for empty lists), as the Rust bridge
structs did. Params ignore keys they do not know, as Tauri's argument lookup did: the frontend
sends `scroll_id` to commands that never read it, and that must keep working.
"""

from __future__ import annotations

import msgspec


class Dto(msgspec.Struct, kw_only=True, gc=False):
    """A result object: snake_case keys, every field always present.

    Not tracked by the cyclic collector (`gc=False`): results are plain data that never form
    cycles, and a bulk page makes thousands of them (see tests/test_untracked_structs.py).
    """


class SidecarDto(msgspec.Struct, kw_only=True, gc=False, rename="camel"):
    """A result or notification the old backend never had (the tray, `notify`): camelCase keys
    like params, since no Rust struct fixes them; every field always present, like `Dto`."""


class Params(msgspec.Struct, kw_only=True, rename="camel"):
    """A method's params object: camelCase keys as the frontend passes them to `invoke`."""


class Payload(msgspec.Struct, kw_only=True):
    """A nested argument object (`item`, `update`, `config`): snake_case keys like serde."""


class NoParams(Params):
    """A method without arguments: `{}`, a missing `params`, or any object."""
