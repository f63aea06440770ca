"""Every error a command can stop with is one located record, as findings are: a code of its
own per kind (listed in docs/errors.md), printed `where: error[CODE]: message`."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator

import ccmsctl
from ccmsctl.errors import Span, UserError
from tests.conftest import ROOT


def _kinds(base: type[UserError]) -> Iterator[type[UserError]]:
    for kind in base.__subclasses__():
        yield kind
        yield from _kinds(kind)


def every_kind() -> list[type[UserError]]:
    for module in pkgutil.walk_packages(ccmsctl.__path__, "ccmsctl."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    return [UserError, *(k for k in _kinds(UserError) if k.__module__.startswith("ccmsctl."))]


def test_each_kind_has_its_own_code_listed_in_the_docs() -> None:
    kinds = every_kind()
    codes = [kind.code for kind in kinds]
    assert len(set(codes)) == len(codes), "two kinds share a code"
    listed = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    for kind in kinds:
        assert f"| {kind.code} | {kind.__name__} |" in listed, kind.__name__


def test_an_error_is_printed_as_a_finding_is() -> None:
    class ExampleError(UserError):
        code = "E1999"

    assert ExampleError("no lab here").line() == "error[E1999]: no lab here"
    located = ExampleError("not a plan file", Span("plan.json", 3, 7))
    assert located.line() == "plan.json:3:7: error[E1999]: not a plan file"
