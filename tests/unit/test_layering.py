"""Narrow ports (DESIGN.md): the Kivy UI reaches the store, the sync and the printer only through
the cashier services, and the store's consumers name the few methods they use as Protocols that
TerminalStore implements."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from types import ModuleType
from typing import Protocol

import pytest

from terminal.cashier import store_ports
from terminal.store.store import TerminalStore
from terminal.sync import ports as sync_ports

UI = Path(__file__).parents[2] / "terminal" / "ui"
FORBIDDEN_TO_UI = ("terminal.store", "terminal.sync", "terminal.receipts.printing")
# Reaching these through the runtime or the cashier context would bypass the services.
BEHIND_THE_SERVICES = {"store", "sync", "printing", "printer", "guard", "notify_sync"}
# The simulator panel is the simulated devices' own front (it taps cards, presses keys and
# shows the simulated printer's paper): it works the devices, not the store or the sync.
DEVICE_PANELS = {"simulator_panel.py"}


def ui_modules() -> list[Path]:
    return sorted(UI.rglob("*.py"))


def imported_modules(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def reaches_behind_services(tree: ast.AST) -> list[str]:
    """`runtime.store`, `self.ui.runtime.sync`, `ctx.printing`... as written in the source."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or node.attr not in BEHIND_THE_SERVICES:
            continue
        owner = node.value
        owner_name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
        if owner_name in {"runtime", "ctx", "cashier"}:
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return sorted(found)


def test_the_ui_files_are_found() -> None:
    assert len(ui_modules()) > 20  # the checks below must not pass over an empty folder


@pytest.mark.parametrize("path", ui_modules(), ids=lambda path: str(path.relative_to(UI)))
def test_the_ui_imports_neither_store_nor_sync_nor_print_service(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    wrong = [name for name in imported_modules(tree)
             if any(name == banned or name.startswith(banned + ".")
                    for banned in FORBIDDEN_TO_UI)]
    assert wrong == []


@pytest.mark.parametrize("path", ui_modules(), ids=lambda path: str(path.relative_to(UI)))
def test_the_ui_reaches_store_sync_and_printer_through_the_services(path: Path) -> None:
    if path.name in DEVICE_PANELS:
        pytest.skip("the simulated devices' panel")
    assert reaches_behind_services(ast.parse(path.read_text(encoding="utf-8"))) == []


def test_the_reach_check_sees_what_it_forbids() -> None:
    source = "def f(ui, ctx):\n    ui.runtime.store.outbox_depth()\n    ctx.printing.printer\n"
    assert reaches_behind_services(ast.parse(source)) == [
        "line 2: ui.runtime.store", "line 3: ctx.printing"]


def ports_of(module: ModuleType) -> list[type]:
    return [value for value in vars(module).values() if isinstance(value, type)
            and Protocol in value.__bases__ and value.__module__ == module.__name__]


def port_methods(port: type) -> dict[str, object]:
    return {name: member for klass in port.__mro__ if klass is not object
            for name, member in vars(klass).items()
            if not name.startswith("_") and (callable(member) or isinstance(member, property))}


PORTS = ports_of(store_ports) + ports_of(sync_ports)


@pytest.mark.parametrize("port", PORTS, ids=lambda port: port.__name__)
def test_the_terminal_store_implements_every_port(port: type) -> None:
    for name, member in port_methods(port).items():
        implemented = getattr(TerminalStore, name, None)
        assert implemented is not None, f"TerminalStore has no {name}"
        if callable(member) and callable(implemented):
            wanted = list(inspect.signature(member).parameters.values())
            actual = list(inspect.signature(implemented).parameters.values())
            assert [(p.name, p.kind, p.default) for p in wanted] == [
                (p.name, p.kind, p.default) for p in actual], name


def test_the_cashier_sees_a_part_of_the_store() -> None:
    every_public = {name for name in dir(TerminalStore) if not name.startswith("_")}
    cashier = set(port_methods(store_ports.CashierStore))
    assert cashier < every_public
    assert len(cashier) <= len(every_public) * 2 // 3
