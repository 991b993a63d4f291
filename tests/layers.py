"""The layers of civicvoice/ and the arrows allowed between them, read from every import of the source.

Every `import` counts, those inside functions too. A unit is a package of civicvoice/ (accounts, voting, …) or one
of its top-level modules (config.py, mail.py, …). Run `python -m tests.layers [path/to/civicvoice]` for the picture: each unit and the
units it imports, by layer, then anything that breaks the rules below.
"""
import ast
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent / "civicvoice"

# Plumbing knows no feature: the database, the request's shape, mail, jobs, the permission registry, page sections.
PLUMBING = ("config", "arabic", "database", "extensions", "i18n", "redirects", "htmx", "errors", "forms", "jobs",
            "mail", "throttle", "rendering", "headers", "permissions", "sessions", "sections", "pdf", "urls", "params",
            "securitylog", "storage", "storage_s3", "backups", "assets", "requestlog", "jsonlog", "health",
            "checks")
# The core, lowest first: each may import the ones before it, never one after it.
CORE = ("activity", "accounts", "communities", "proposals", "signatures")
# Features built on the core, and the other features each may build on (no feature imports one not listed).
FEATURES = {
    "deliberation": (),
    "meetings": (),
    "voting": (),
    "volunteers": (),
    "moderation": ("deliberation", "meetings"),
    "letters": ("voting", "volunteers"),
    "council": ("deliberation", "letters", "voting"),
    "dashboard": ("council", "letters", "moderation", "voting"),
}
# What puts the application together: it may import anything, nothing imports it.
APPLICATION = ("__init__", "cli", "demo", "retention")
# Imports a function may hold: WeasyPrint is loaded only when a PDF is asked for (the app runs without its system
# libraries), and command-line commands load what they run.
LAZY_ALLOWED = {("pdf", "weasyprint")}
LAZY_MODULES = {"cli"}


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, e.g. civicvoice.voting.services
    target: str  # the imported module (or package), e.g. civicvoice.proposals.models
    line: int
    in_function: bool

    @property
    def arrow(self) -> tuple[str, str]:
        return unit(self.source), unit(self.target)

    def __str__(self) -> str:
        where = " (inside a function)" if self.in_function else ""
        return f"{self.source}:{self.line} imports {self.target}{where}"


def unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def module_name(path: Path, source: Path = SOURCE) -> str:
    parts = list(path.relative_to(source.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(source: Path = SOURCE) -> list[Import]:
    """Every import statement of the package, with the module it names (resolved from relative imports)."""
    found = []
    for path in sorted(source.rglob("*.py")):
        module = module_name(path, source)
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node, in_function in _walk(tree, False):
            if isinstance(node, ast.Import):
                found += [Import(module, alias.name, node.lineno, in_function) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                    base = ".".join(anchor + ([node.module] if node.module else []))
                # `from package import name` imports the module package.name when there is one.
                found += [Import(module, f"{base}.{alias.name}" if is_module(f"{base}.{alias.name}", source) else base,
                                 node.lineno, in_function) for alias in node.names]
    return found


def is_module(name: str, source: Path = SOURCE) -> bool:
    if not name.startswith("civicvoice."):
        return False
    path = source.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _walk(node, in_function):
    for child in ast.iter_child_nodes(node):
        yield child, in_function
        yield from _walk(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))


def own(found: list[Import]) -> list[Import]:
    return [i for i in found if i.target == "civicvoice" or i.target.startswith("civicvoice.")]


def layer_of(name: str) -> str:
    if name in PLUMBING:
        return "plumbing"
    if name in CORE:
        return "core"
    if name in FEATURES:
        return "feature"
    if name in APPLICATION:
        return "application"
    return "unknown"


def allowed(source: str, target: str) -> bool:
    """Whether unit `source` may import unit `target`."""
    if source == target or layer_of(source) == "application":
        return True
    if target in APPLICATION:
        return False
    if layer_of(source) == "plumbing":
        return layer_of(target) == "plumbing"
    if layer_of(source) == "core":
        return layer_of(target) == "plumbing" or (target in CORE and CORE.index(target) < CORE.index(source))
    if layer_of(source) == "feature":
        return layer_of(target) in ("plumbing", "core") or target in FEATURES[source]
    return False


def wrong_arrows(found: list[Import]) -> list[Import]:
    return [i for i in own(found) if not allowed(*i.arrow)]


def unknown_units(found: list[Import]) -> set[str]:
    """Units of the source that no layer names: a new package or module must be placed before it is used."""
    units = {unit(i.source) for i in found} | {unit(i.target) for i in own(found)}
    return {name for name in units if layer_of(name) == "unknown"}


def graph(found: list[Import], level=unit) -> dict[str, set[str]]:
    arrows = defaultdict(set)
    for i in own(found):
        source, target = level(i.source), level(i.target)
        if source != target:
            arrows[source].add(target)
    return arrows


def cycles(arrows: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan): each is an import circle."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = iter(range(10**9))

    def visit(node):
        index[node] = low[node] = next(counter)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(arrows.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(arrows):
        if node not in index:
            visit(node)
    return found


def lazy_imports(found: list[Import]) -> list[Import]:
    """Imports placed inside functions, but for the allowed ones."""
    return [i for i in found if i.in_function and unit(i.source) not in LAZY_MODULES
            and (unit(i.source), i.target.split(".")[0]) not in LAZY_ALLOWED]


def main(source: Path = SOURCE) -> int:
    found = imports(source)
    arrows = graph(found)
    order = [*PLUMBING, *CORE, *FEATURES, *APPLICATION]
    for layer in ("plumbing", "core", "feature", "application"):
        print(f"{layer}:")
        for name in sorted((n for n in arrows.keys() | set(order) if layer_of(n) == layer), key=order.index):
            print(f"  {name} -> {', '.join(sorted(arrows.get(name, ()), key=lambda n: order.index(n) if n in order else len(order)))}")
    problems = ([f"wrong arrow: {i}" for i in wrong_arrows(found)]
                + [f"circle between packages: {' <-> '.join(c)}" for c in cycles(arrows)]
                + [f"circle between modules: {' <-> '.join(c)}" for c in cycles(graph(found, level=lambda module: module))]
                + [f"import inside a function: {i}" for i in lazy_imports(found)]
                + [f"no layer for: {name}" for name in sorted(unknown_units(found))])
    print("\n".join(problems) if problems else "\nNo arrow points the wrong way; no circle; no import inside a function.")
    return 1 if problems else 0


if __name__ == "__main__":
    # `python -m tests.layers [path/to/civicvoice]`: another checkout's tree (an older commit's picture) if given.
    sys.exit(main(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else SOURCE))
