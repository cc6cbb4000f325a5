"""The import contracts in pyproject.toml check what they claim to.

import-linter silently checks nothing when a forbidden contract's source package contains
the forbidden module (source "corridor", forbidden "corridor.vault.opening"): a contract
written that way stays KEPT whatever is imported. No database, no subprocess."""

from __future__ import annotations

import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def _contracts() -> list[dict[str, object]]:
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    contracts: list[dict[str, object]] = config["tool"]["importlinter"]["contracts"]
    return contracts


def _contains(package: str, module: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_no_forbidden_contract_has_a_source_containing_what_it_forbids():
    """The attack: a service imports `corridor.vault.opening` and decrypts without an
    audit event; a contract whose sources include the forbidden module passes anyway."""
    toothless = [
        (contract["name"], source, forbidden)
        for contract in _contracts()
        if contract["type"] == "forbidden"
        for source in contract["source_modules"]  # type: ignore[attr-defined]
        for forbidden in contract["forbidden_modules"]  # type: ignore[attr-defined]
        if _contains(source, forbidden)
    ]
    assert toothless == []


def test_only_access_modules_may_open_sealed_fields():
    """Every package but the vault is a source of the opening contract, and the only
    exception is an app's `access` module."""
    (contract,) = [
        c for c in _contracts() if c.get("forbidden_modules") == ["corridor.vault.opening"]
    ]
    apps = {
        f"corridor.{path.stem if path.is_file() else path.name}"
        for path in (PYPROJECT.parent / "src" / "corridor").iterdir()
        if (path.is_dir() and (path / "__init__.py").exists())
        or (path.suffix == ".py" and path.stem != "__init__")
    }
    assert set(contract["source_modules"]) == apps - {"corridor.vault"}  # type: ignore[arg-type]
    assert contract["ignore_imports"] == ["corridor.*.access -> corridor.vault.opening"]
