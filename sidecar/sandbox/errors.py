"""Tracker-shaped failures: `{"errors": {}, "errorMessages": [...], "statusCode": N}` bodies.

Owns: the message catalogue in English and Russian and the `ApiError` handlers raise. Must not
know: routing or the state; the error middleware in `app.py` turns `ApiError` into a response.
"""

from __future__ import annotations

from typing import Any

# key → (English, Russian). Wording follows what clients saw from the real service.
MESSAGES: dict[str, tuple[str, str]] = {
    "unauthorized": ("Not authorized", "Не авторизован"),
    "org": (
        "Organization is not available, not ready or not found",
        "Организация недоступна, не готова или не найдена",
    ),
    "not_found": ("Object not found", "Объект не найден"),
    "no_route": ("Resource not found", "Ресурс не найден"),
    "method": ("Method not allowed", "Метод не поддерживается"),
    "selectors": (
        "You can only use keys, a queue, or a search query",
        "Можно использовать только ключи, очередь или поисковый запрос",
    ),
    "scroll_unsupported": ("Scroll is not supported", "Скролл не поддерживается"),
    "per_scroll": (
        "perScroll must be between 1 and 1000",
        "perScroll должен быть от 1 до 1000",
    ),
    "scroll_expired": (
        "Scroll context is expired or not found",
        "Контекст скролла истёк или не найден",
    ),
    "expired_signature": ("Expired signature", "Истёк срок действия подписи"),
    "bad_param": ("Invalid parameter value: {name}", "Неверное значение параметра: {name}"),
    "bad_json": ("Request body is not valid JSON", "Тело запроса не является корректным JSON"),
    "bad_query": ("Query syntax error: {detail}", "Ошибка в запросе: {detail}"),
    "required": ("Field is required", "Обязательное поле"),
    "empty": ("cannot be empty", "не может быть пустым"),
    "invalid_value": ("Invalid value", "Неверное значение"),
    "conflict": (
        "Edit conflict: the object was changed by someone else",
        "Конфликт редактирования: объект был изменён",
    ),
    "unique": (
        "An issue with this unique value already exists",
        "Задача с таким unique уже существует",
    ),
    "status_patch": (
        "Status can only be changed by a transition",
        "Статус можно изменить только переходом",
    ),
    "no_transition": ("Transition is not available", "Переход недоступен"),
    "too_large": ("The file size exceeds 1024 Mb", "Размер файла превышает 1024 Мб"),
    "no_file": ("No file in the request", "В запросе нет файла"),
    "unknown_user": ("User {login} does not exist", "Пользователь {login} не существует"),
    "worklog_limit": (
        "Request exceeds 10000 items limit",
        "Запрос превышает лимит в 10000 элементов",
    ),
}


class ApiError(Exception):
    """A Tracker error answer; `errors` maps field → message key or literal text."""

    def __init__(
        self,
        status: int,
        key: str | None = None,
        *,
        errors: dict[str, str] | None = None,
        **fmt: Any,
    ) -> None:
        super().__init__(key or status)
        self.status = status
        self.key = key
        self.errors = errors or {}
        self.fmt = fmt


def message(key: str, lang: str, **fmt: Any) -> str:
    """A catalogue message in `lang` (`ru` or anything else for English)."""
    english, russian = MESSAGES.get(key, (key, key))
    return (russian if lang == "ru" else english).format(**fmt)


def error_body(error: ApiError, lang: str) -> dict[str, Any]:
    fields = {name: message(text, lang) for name, text in error.errors.items()}
    texts = [message(error.key, lang, **error.fmt)] if error.key else []
    return {"errors": fields, "errorMessages": texts, "statusCode": error.status}
