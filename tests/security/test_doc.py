"""docs/security.md names, for every item of the security checklist, the tests that prove it: each test it names
must exist, and no item may be left without one.

Read from the source (an AST walk), not collected: a test the document names but nobody wrote fails here, and so
does one renamed or removed since.
"""
import ast
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).parents[2]
DOC = ROOT / "docs" / "security.md"
# `tests/x/test_y.py::test_z`, `...::TestClass::test_z`, optionally with a parameter set: `...::test_z[sqlite]`.
NODE_ID = re.compile(r"`(tests/[\w/]+\.py)((?:::\w+)+)(?:\[[^\]`]*\])?`")
GAP = "NO TEST YET"


def named_tests() -> list[tuple[str, tuple[str, ...]]]:
    text = DOC.read_text(encoding="utf-8")
    return sorted({(path, tuple(names.split("::")[1:])) for path, names in NODE_ID.findall(text)})


@cache
def _defined(path: str) -> set[tuple[str, ...]]:
    """Every function of the file, at module level or in a class, as its node id's parts."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"), filename=path)
    found = set()

    def walk(body, prefix):
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found.add((*prefix, node.name))
            elif isinstance(node, ast.ClassDef):
                walk(node.body, (*prefix, node.name))

    walk(tree.body, ())
    return found


def test_every_test_the_document_names_exists():
    named = named_tests()
    assert len(named) > 200  # the pattern still reads the document's ids
    missing = [f"{path}::{'::'.join(names)}" for path, names in named
               if not (ROOT / path).is_file() or names not in _defined(path)]
    assert missing == []


def test_every_item_has_its_tests():
    gaps = [line.split("|")[1].strip() if line.startswith("|") else line
            for line in DOC.read_text(encoding="utf-8").splitlines() if GAP in line]
    assert gaps == []
