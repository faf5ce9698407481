"""The tray menu and the desktop notifications, as messages a shell only has to display.

The old app built these natively (`docs/frontend-contract.md` §8.3); the sidecar sends them:
`tray` (a `TrayState`, whenever it changes; also `get_tray_state`'s result) and `notify` (a
`Notice`). They are the sidecar's own objects, not Rust structs, so their keys are camelCase
like every params object.
"""

from __future__ import annotations

from typing import Literal

from sidecar.api.base import Params, SidecarDto

TrayAction = Literal["tray_start_timer", "tray_stop_timer", "tray_refresh", "show", "quit"]
NoticeKind = Literal[
    "timer-started", "timer-stopped", "timer-reminder", "workday-wrap-up", "issues-changed"
]


class TrayMenuItem(SidecarDto):
    """One entry of the tray menu, in display order.

    `kind` is `item` (a clickable or disabled line), `separator` or `submenu` (with `items`).
    Clicking an enabled item does its `action`: `tray_start_timer` (call it with
    `{issueKey}`), `tray_stop_timer` and `tray_refresh` are sidecar methods; `show` (bring the
    window up) and `quit` are the shell's own.
    """

    id: str
    kind: Literal["item", "separator", "submenu"]
    label: str | None
    enabled: bool
    action: TrayAction | None
    issue_key: str | None
    items: list[TrayMenuItem]


class TrayIssue(SidecarDto):
    """An issue listed under "Start Timer" (disabled while its timer runs)."""

    issue_key: str
    label: str
    enabled: bool


class TrayState(SidecarDto):
    """The whole tray: the `tray` notification and `get_tray_state`'s result.

    `menu` is the complete menu built from the other fields, ready to render as it is.
    """

    title: str
    timer_label: str
    timer_running: bool
    running_issue_key: str | None
    issues: list[TrayIssue]
    more_issues: int
    menu: list[TrayMenuItem]


class Notice(SidecarDto):
    """Payload of the `notify` notification: one desktop notification to show as it is."""

    kind: NoticeKind
    title: str
    body: str
    issue_key: str | None


class TrayStartTimerParams(Params):
    issue_key: str
