"""Router: registration rules and second-stage params decoding with Tauri-style -32602s."""

from typing import Any

import msgspec
import pytest

from sidecar.rpc.context import RequestContext
from sidecar.rpc.errors import INVALID_PARAMS, RpcError
from sidecar.rpc.router import Router


class GetIssueParams(msgspec.Struct, rename="camel", kw_only=True, forbid_unknown_fields=True):
    issue_key: str
    expand: list[str] = []


class Item(msgspec.Struct):
    name: str


class ItemsParams(msgspec.Struct):
    items: list[Item]


async def handler(params: Any, ctx: RequestContext) -> Any:
    return params


def make_router() -> Router:
    router = Router()
    router.add("get_issue", handler, GetIssueParams, summary="One issue")
    router.add("items", handler, ItemsParams)
    router.add("ping", handler, None)
    return router


def decode(router: Router, name: str, raw: bytes | None) -> Any:
    method = router.get(name)
    assert method is not None
    return router.decode_params(method, None if raw is None else msgspec.Raw(raw))


def invalid(router: Router, name: str, raw: bytes) -> RpcError:
    with pytest.raises(RpcError) as info:
        decode(router, name, raw)
    assert info.value.code == INVALID_PARAMS
    return info.value


def test_decodes_params_into_the_method_type() -> None:
    params = decode(make_router(), "get_issue", b'{"issueKey":"Q-1","expand":["x"]}')
    assert params == GetIssueParams(issue_key="Q-1", expand=["x"])


def test_method_without_params_type_gets_none() -> None:
    assert decode(make_router(), "ping", b'{"anything":1}') is None


def test_missing_and_null_params_mean_empty_object() -> None:
    router = Router()
    router.add("opt", handler, dict[str, int])
    assert decode(router, "opt", None) == {}
    assert decode(router, "opt", b"null") == {}


def test_missing_required_field_names_it() -> None:
    error = invalid(make_router(), "get_issue", b"{}")
    assert error.message == (
        "invalid args `issueKey` for command `get_issue`: Object missing required field `issueKey`"
    )
    assert error.data == {"field": "issueKey", "detail": "Object missing required field `issueKey`"}


def test_wrong_type_names_the_field_in_tauri_style() -> None:
    error = invalid(make_router(), "get_issue", b'{"issueKey": 1}')
    assert error.message == (
        "invalid args `issueKey` for command `get_issue`: Expected `str`, got `int`"
    )
    assert error.data == {
        "field": "issueKey",
        "detail": "Expected `str`, got `int` - at `$.issueKey`",
    }


def test_unknown_field_is_named() -> None:
    error = invalid(make_router(), "get_issue", b'{"issueKey":"Q-1","isueKey":"x"}')
    assert error.data == {"field": "isueKey", "detail": "Object contains unknown field `isueKey`"}


def test_nested_error_blames_the_top_level_arg_and_keeps_the_path() -> None:
    error = invalid(make_router(), "items", b'{"items":[{"name":5}]}')
    assert error.message == (
        "invalid args `items` for command `items`: Expected `str`, got `int` - at `$.items[0].name`"
    )
    assert error.data == {
        "field": "items",
        "detail": "Expected `str`, got `int` - at `$.items[0].name`",
    }


def test_array_params_are_invalid() -> None:
    error = invalid(make_router(), "get_issue", b'["Q-1"]')
    assert error.message == (
        "invalid args for command `get_issue`: params must be an object, not an array"
    )
    assert error.data == {"field": None, "detail": "params must be an object, not an array"}


def test_duplicate_names_are_refused() -> None:
    router = make_router()
    with pytest.raises(RuntimeError, match="already registered"):
        router.add("ping", handler, None)


def test_frozen_router_refuses_new_methods() -> None:
    router = make_router()
    router.freeze()
    with pytest.raises(RuntimeError, match="frozen"):
        router.add("late", handler, None)


def test_listing_keeps_registration_order() -> None:
    router = make_router()
    assert router.names() == ["get_issue", "items", "ping"]
    first = router.methods()[0]
    assert (first.name, first.params_type, first.summary) == (
        "get_issue",
        GetIssueParams,
        "One issue",
    )
    assert router.get("nope") is None


# -- deferred methods --------------------------------------------------------------------------


async def test_a_deferred_method_is_known_at_once_and_served_once_loaded() -> None:
    router = Router()
    loads: list[str] = []

    async def load() -> None:
        loads.append("load")
        router.add("get_issue", handler, GetIssueParams, summary="One issue")

    router.defer("get_issue", load)
    router.freeze()  # serving has begun: the deferred name is filled in all the same
    placeholder = router.get("get_issue")
    assert placeholder is not None and placeholder.load is not None
    method = await router.loaded(placeholder)
    assert (method.params_type, method.summary, method.load) == (GetIssueParams, "One issue", None)
    assert router.get("get_issue") is method
    assert decode(router, "get_issue", b'{"issueKey":"Q-1"}') == GetIssueParams(issue_key="Q-1")
    assert await router.loaded(method) is method and loads == ["load"]


async def test_a_load_that_does_not_register_its_method_is_an_error() -> None:
    router = Router()

    async def load() -> None:
        pass

    router.defer("late", load)
    placeholder = router.get("late")
    assert placeholder is not None
    with pytest.raises(RuntimeError, match="did not register"):
        await router.loaded(placeholder)


def test_a_deferred_name_is_taken_like_any_other() -> None:
    router = make_router()

    async def load() -> None:
        pass

    with pytest.raises(RuntimeError, match="already registered"):
        router.defer("ping", load)
    router.freeze()
    with pytest.raises(RuntimeError, match="frozen"):
        router.defer("late", load)
