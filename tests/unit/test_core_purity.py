"""membership/ stays pure: no device, network, storage or UI library may be imported there."""

import ast
from pathlib import Path

FORBIDDEN = {"kivy", "paho", "peewee", "escpos", "smartcard", "evdev", "serial", "openpyxl",
             "psycopg2", "sqlite3", "socket", "requests", "PIL"}
CORE = Path(__file__).resolve().parents[2] / "membership"


def imported_roots(source: str) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_core_imports_no_io_library():
    files = sorted(CORE.rglob("*.py"))
    assert len(files) > 5
    offenders = {
        str(path.relative_to(CORE)): sorted(imported_roots(path.read_text()) & FORBIDDEN)
        for path in files
    }
    assert {name: libs for name, libs in offenders.items() if libs} == {}


def test_purity_check_detects_a_forbidden_import():
    assert imported_roots("import paho.mqtt.client as mqtt\nfrom peewee import Model") >= {
        "paho", "peewee"}
