"""The house is one-way: an app imports only from apps below it, and no
module of the project imports itself back through a chain of others.

The order comes from one place, ``settings.PROJECT_APPS`` (top floor
first). Every import counts, including those inside functions, because a
deferred import is still a dependency a reader has to follow.
"""

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
APPS = list(settings.PROJECT_APPS)
RANK = {app: i for i, app in enumerate(APPS)}  # 0 is the top floor


def _module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _project_modules():
    modules = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            modules[_module_name(path)] = path
    return modules


def _resolve(node, module, is_package, known):
    """The project modules an import statement names."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        if node.level:
            base = module.split(".")
            base = base[: len(base) - node.level + (1 if is_package else 0)]
            prefix = ".".join(base + ([node.module] if node.module else []))
        else:
            prefix = node.module or ""
        # ``from pkg import name``: name is a submodule when such a file exists.
        names = [f"{prefix}.{a.name}" if f"{prefix}.{a.name}" in known else prefix for a in node.names]
    found = set()
    for name in names:
        while name and name not in known:
            name = name.rpartition(".")[0]
        if name:
            found.add(name)
    return found


def import_graph():
    known = _project_modules()
    graph = {}
    for module, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        targets = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                targets |= _resolve(node, module, is_package, known)
        # A module's own package __init__ is imported with it; not an edge.
        graph[module] = {t for t in targets if t != module and not module.startswith(t + ".")}
    return graph


def test_every_app_declares_its_floor():
    apps_on_disk = {p.parent.name for p in ROOT.glob("*/apps.py")}
    assert apps_on_disk == set(APPS), "add a new app to settings.PROJECT_APPS, at its floor"
    assert all(app in settings.INSTALLED_APPS for app in APPS)


def test_imports_only_go_down_the_house():
    upward = sorted(
        f"{source} imports {target} ({source.split('.')[0]} sits above {target.split('.')[0]}? no)"
        for source, targets in import_graph().items()
        for target in targets
        if RANK[target.split(".")[0]] < RANK[source.split(".")[0]]
    )
    assert upward == []


def _cycles(graph):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_module_imports_itself_back():
    assert _cycles(import_graph()) == []


def test_the_checker_sees_an_upward_import_and_a_cycle():
    """The two checks above can fail: a made-up graph with one upward edge
    and one two-module cycle is caught by both."""
    graph = {"core.x": {"courses.y"}, "courses.y": {"core.x"}}
    assert _cycles(graph) == [["core.x", "courses.y"]]
    assert RANK["core"] > RANK["courses"]  # core.x -> courses.y climbs


def test_relative_and_from_imports_resolve_to_modules():
    known = {"quizzes", "quizzes.hooks", "quizzes.services", "core", "core.errors"}
    tree = ast.parse("from . import hooks\nfrom core.errors import NotAllowed\nimport core.errors\n")
    edges = set()
    for node in tree.body:
        edges |= _resolve(node, "quizzes.services", False, known)
    assert edges == {"quizzes.hooks", "core.errors"}


def _runtime_top_level_imports():
    names = set()
    for folder in [*APPS, "config"]:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names |= {a.name.split(".")[0] for a in node.names}
                elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                    names.add(node.module.split(".")[0])
    return names


def test_every_runtime_import_is_a_declared_dependency():
    """The apps and settings import only the standard library, the project
    itself, and distributions named in pyproject.toml's dependencies (not
    ones that merely arrive with another package, or only with test tools)."""
    import re
    import sys
    import tomllib
    from importlib.metadata import packages_distributions

    declared = {
        re.split(r"[<>=\[ ;]", dep, maxsplit=1)[0].lower().replace("_", "-")
        for dep in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    }
    providers = packages_distributions()
    ours = set(APPS) | {"config"}
    undeclared = {}
    for name in sorted(_runtime_top_level_imports() - ours - set(sys.stdlib_module_names)):
        dists = {d.lower().replace("_", "-") for d in providers.get(name, [])}
        if not dists & declared:
            undeclared[name] = sorted(dists)
    assert undeclared == {}


def _positional_public_functions(source):
    """Public top-level functions that take a positional parameter."""
    tree = ast.parse(source)
    return [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and not node.name.startswith("_")
        and (node.args.posonlyargs or node.args.args or node.args.vararg)
    ]


def test_services_and_selectors_take_keywords_only():
    """Reads and writes are called as ``thing_action(user=..., course=...)``:
    a call site names every argument, so reordering parameters cannot
    silently swap two users or two ids."""
    offenders = {}
    for module, path in _project_modules().items():
        if path.name in ("services.py", "selectors.py"):
            names = _positional_public_functions(path.read_text())
            if names:
                offenders[module] = names
    assert offenders == {}


def test_the_keyword_check_sees_a_positional_parameter():
    assert _positional_public_functions("def a(*, x): ...\ndef b(x): ...\ndef _c(x): ...") == ["b"]
