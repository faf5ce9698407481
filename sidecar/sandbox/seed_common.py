"""Catalogs and workflow shared by the test and demo seeds.

Owns: statuses (with Tracker's status types, plus one custom status without a type),
resolutions, priorities, issue types (all named in English and Russian) and the transitions
between statuses. Must not know: users or issues.
"""

from __future__ import annotations

from dataclasses import replace

from sidecar.sandbox.model import CatalogEntry, Transition
from sidecar.sandbox.state import TrackerState

STATUSES = [
    CatalogEntry(1, "open", {"en": "Open", "ru": "Открыт"}, 1, "New work", "new"),
    CatalogEntry(2, "inProgress", {"en": "In progress", "ru": "В работе"}, 2, "", "inProgress"),
    CatalogEntry(3, "needInfo", {"en": "Need info", "ru": "Требуется информация"}, 3, "", "paused"),
    CatalogEntry(4, "resolved", {"en": "Resolved", "ru": "Решён"}, 4, "", "done"),
    CatalogEntry(5, "closed", {"en": "Closed", "ru": "Закрыт"}, 5, "", "done"),
    CatalogEntry(6, "triage", {"en": "Triage", "ru": "Разбор"}, 6, "Custom, no type"),
]
RESOLUTIONS = [
    CatalogEntry(1, "fixed", {"en": "Fixed", "ru": "Решён"}, 1),
    CatalogEntry(2, "wontFix", {"en": "Won't fix", "ru": "Не будет исправлено"}, 2),
    CatalogEntry(3, "duplicate", {"en": "Duplicate", "ru": "Дубликат"}, 3),
]
PRIORITIES = [
    CatalogEntry(1, "trivial", {"en": "Trivial", "ru": "Незначительный"}, 1),
    CatalogEntry(2, "minor", {"en": "Minor", "ru": "Низкий"}, 2),
    CatalogEntry(3, "normal", {"en": "Normal", "ru": "Средний"}, 3),
    CatalogEntry(4, "critical", {"en": "Critical", "ru": "Критичный"}, 4),
    CatalogEntry(5, "blocker", {"en": "Blocker", "ru": "Блокер"}, 5),
]
ISSUE_TYPES = [
    CatalogEntry(1, "bug", {"en": "Bug", "ru": "Ошибка"}, 1, "Something is broken"),
    CatalogEntry(2, "task", {"en": "Task", "ru": "Задача"}, 2, "A piece of work"),
    CatalogEntry(3, "improvement", {"en": "Improvement", "ru": "Улучшение"}, 3),
]


def _t(ident: str, en: str, ru: str, to: str) -> Transition:
    return Transition(ident, {"en": en, "ru": ru}, to)


TRANSITIONS = {
    "open": [
        _t("start_progress", "Start progress", "Взять в работу", "inProgress"),
        _t("resolve", "Resolve", "Решить", "resolved"),
        _t("close", "Close", "Закрыть", "closed"),
    ],
    "inProgress": [
        _t("stop_progress", "Stop progress", "Остановить", "open"),
        _t("need_info", "Need info", "Нужна информация", "needInfo"),
        _t("resolve", "Resolve", "Решить", "resolved"),
        _t("close", "Close", "Закрыть", "closed"),
    ],
    "needInfo": [
        _t("provide_info", "Provide info", "Предоставить информацию", "inProgress"),
        _t("close", "Close", "Закрыть", "closed"),
    ],
    "resolved": [
        _t("reopen", "Reopen", "Переоткрыть", "open"),
        _t("close", "Close", "Закрыть", "closed"),
    ],
    "closed": [_t("reopen", "Reopen", "Переоткрыть", "open")],
    "triage": [_t("accept", "Accept", "Принять", "open")],
}


def add_catalogs(state: TrackerState) -> None:
    # Copies, so one state's edits never leak into the next fresh state.
    state.statuses = {e.key: replace(e) for e in STATUSES}
    state.resolutions = {e.key: replace(e) for e in RESOLUTIONS}
    state.priorities = {e.key: replace(e) for e in PRIORITIES}
    state.issue_types = {e.key: replace(e) for e in ISSUE_TYPES}
    state.transitions = {k: [replace(t) for t in v] for k, v in TRANSITIONS.items()}
