"""A settings field bound to its variable, validator and default; reading a section's fields from text."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import Field, field, fields
from typing import Any

from stripe_netsuite.config.parsers import ConfigError

__all__ = ["check", "env_fields", "read_env", "read_extras", "setting"]


def setting(
    env: str,
    parse: Callable[[str], Any] | None = None,
    *,
    default: Any = None,
    factory: Callable[[], Any] | None = None,
    secret: bool = False,
    extra: str | None = None,
) -> Any:
    """A dataclass field bound to an environment variable (and, for a connection, to its extra `extra`).

    The field's default is the setting's only default; secrets are kept out of repr().
    """
    metadata = {"env": env, "parse": parse, "extra": extra}
    if factory is not None:
        return field(default_factory=factory, repr=not secret, metadata=metadata)
    return field(default=default, repr=not secret, metadata=metadata)


def env_fields(cls: type) -> Iterator[Field[Any]]:
    """The fields of a settings dataclass that are bound to a variable."""
    return (spec for spec in fields(cls) if spec.metadata.get("env"))


def _parse(spec: Field[Any], text: str, label: str) -> Any:
    parse = spec.metadata["parse"]
    try:
        return parse(text) if parse else text
    except ValueError as error:
        raise ConfigError(f"{label}: {error}") from None


def read_env(cls: type, env: Mapping[str, str]) -> dict[str, Any]:
    """{attribute: parsed value} for each of the class's variables that is set; empty text counts as unset."""
    values: dict[str, Any] = {}
    for spec in env_fields(cls):
        name = spec.metadata["env"]
        text = str(env.get(name, "")).strip()
        if text:
            values[spec.name] = _parse(spec, text, name)
    return values


def read_extras(cls: type, extras: Mapping[str, Any], connection: str) -> dict[str, Any]:
    """{attribute: parsed value} from an Airflow connection's extras, by the same validators as the variables.

    A value the form sent as a number or a list is read as its text; errors name the connection's field.
    """
    values: dict[str, Any] = {}
    for spec in env_fields(cls):
        key = spec.metadata["extra"]
        raw = extras.get(key) if key else None
        if raw is None or raw == "" or raw == []:
            continue
        text = ",".join(str(item) for item in raw) if isinstance(raw, list | tuple) else str(raw).strip()
        if text:
            values[spec.name] = _parse(spec, text, f"connection {connection}, field {key}")
    return values


def check(cls: type, attribute: str, value: Any) -> None:
    """Validate a value given in code (not text) by its variable's validator, when it is text."""
    for spec in env_fields(cls):
        if spec.name == attribute and isinstance(value, str) and spec.metadata["parse"]:
            _parse(spec, value, spec.metadata["env"])
