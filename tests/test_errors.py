"""One error vocabulary: every code the API (or a CLI) can answer is a documented one."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import odh_tec
from odh_tec.errors import ApiError, camel_code

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "odh_tec"
DOC = (ROOT / "docs" / "api.md").read_text()

# Written as literals where an error is raised or answered: code="X", "error": "X", _error("X", …).
_LITERALS = re.compile(r'(?:\bcode=|"error":\s*|_error\()"([A-Z][A-Za-z0-9]+)"')
# The estimator's own refusals (snake_case in the pure package, CamelCase on the way out).
_ESTIMATOR = re.compile(r'RequestError\(\s*"([a-z_]+)"|code="([a-z_]+)"')


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def api_codes() -> set[str]:
    for module in pkgutil.walk_packages(odh_tec.__path__, "odh_tec."):
        if ".static" not in module.name:
            importlib.import_module(module.name)
    codes = {cls.code for cls in _subclasses(ApiError)} | {ApiError.code}
    for path in SRC.rglob("*.py"):
        text = path.read_text()
        codes |= set(_LITERALS.findall(text))
        if "/vram/" in str(path):
            codes |= {camel_code(a or b) for a, b in _ESTIMATOR.findall(text)}
    return codes


def test_every_error_code_is_documented():
    codes = api_codes()
    assert len(codes) > 40
    missing = sorted(code for code in codes if f"`{code}`" not in DOC)
    assert not missing, f"codes the API can answer but docs/api.md does not list: {missing}"


def test_one_hub_error_class():
    defined = [p for p in SRC.rglob("*.py") if "class HubError" in p.read_text()]
    assert [p.relative_to(SRC).as_posix() for p in defined] == ["hf/errors.py"]
