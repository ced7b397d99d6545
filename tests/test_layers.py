"""Imports point one way: core, store, web, the app's assembly (start-up
checks, commands), routes, then what runs the app (app.py, migrate.py), the
tests and the benchmark. Every import in every module is read, those inside
functions too (they do not hide a circle), and any import against that
direction, between two routes, or in a circle fails, naming the pair."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("app.py", "migrate.py", "lib", "routes", "tests", "bench", "seed")

# Each module's layer by the longest prefix of its name; a module imports
# from its own layer and the ones before it.
LAYERS = {
    "lib": 0,  # the package's docstring only
    "lib.core": 0,
    "lib.store": 1,
    "lib.web": 2,
    "lib.startup": 3,
    "lib.commands": 3,
    "lib.gunicorn_conf": 3,
    "routes": 4,
    "app": 5,
    "migrate": 5,
    "seed": 5,
    "tests": 6,
    "bench": 7,
}
# What a layer's modules never import, whatever they import it through.
FORBIDDEN = {
    "lib.core": ("flask", "werkzeug", "flask_cors", "sqlite3"),
    "lib.store": ("flask", "werkzeug", "flask_cors"),
}


def module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules():
    found = {}
    for source in SOURCES:
        path = ROOT / source
        for file in ([path] if path.is_file() else sorted(path.rglob("*.py"))):
            found[module_name(file)] = file
    return found


def resolve(name, modules):
    """The project module ``name`` names (``lib.core.clock`` for
    ``lib.core.clock.iso``), or None for a module from elsewhere."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(module, path, modules):
    """(imported name as written, the project module it is, or None) for
    every import anywhere in the module."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, resolve(alias.name, modules)) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                written = f"{base}.{alias.name}"
                found.append((written, resolve(written, modules) or resolve(base, modules)))
    return found


def layer_of(module):
    return LAYERS[max((prefix for prefix in LAYERS if module == prefix or module.startswith(prefix + ".")),
                      key=len)]


def graph():
    modules = project_modules()
    return modules, {module: imports_of(module, path, modules) for module, path in modules.items()}


def test_every_module_has_a_layer():
    modules, _ = graph()
    assert [module for module in modules
            if not any(module == prefix or module.startswith(prefix + ".") for prefix in LAYERS)] == []
    assert {"lib.core.clock", "lib.store.connection", "lib.web.errors", "routes.words"} <= set(modules)


def test_imports_point_down_only():
    _, imports = graph()
    against = [f"{module} imports {target}" for module, found in imports.items()
               for _, target in found if target is not None and target != module
               and layer_of(target) > layer_of(module)]
    assert against == []


def test_routes_never_import_each_other():
    _, imports = graph()
    between = [f"{module} imports {target}" for module, found in imports.items() if module.startswith("routes.")
               for _, target in found if target is not None and target.startswith("routes.") and target != module]
    assert between == []


def test_the_core_knows_neither_flask_nor_sqlite_and_the_store_not_flask():
    _, imports = graph()
    broken = [f"{module} imports {written}" for module, found in imports.items()
              for layer, names in FORBIDDEN.items() if module == layer or module.startswith(layer + ".")
              for written, _ in found if written.split(".")[0] in names]
    assert broken == []


def test_no_import_circle():
    _, imports = graph()
    edges = {module: sorted({target for _, target in found if target is not None and target != module})
             for module, found in imports.items()}
    circles = []
    state = {}  # module: "open" while its imports are walked, "done" after

    def walk(module, trail):
        state[module] = "open"
        for target in edges[module]:
            if state.get(target) == "open":
                circles.append(" -> ".join(trail[trail.index(target):] + [module, target])
                               if target in trail else f"{module} -> {target}")
            elif target not in state:
                walk(target, trail + [module])
        state[module] = "done"

    for module in sorted(edges):
        if module not in state:
            walk(module, [])
    assert circles == []


def test_project_modules_are_imported_by_their_full_name():
    # "import generate" beside bench/generate.py works only after a sys.path
    # edit, and this walk would not see it as an import of the project.
    modules, imports = graph()
    names = {module.rpartition(".")[2] for module in modules}
    bare = [f"{module} imports {written}" for module, found in imports.items()
            for written, target in found if target is None and written.split(".")[0] in names]
    assert bare == []


def test_the_check_finds_an_import_against_the_direction(tmp_path, monkeypatch):
    # The walk itself: a core module that imports the web layer inside a
    # function, and a route that imports another route, are both caught.
    modules = {"lib.core.clock": tmp_path / "clock.py", "lib.web.errors": tmp_path / "errors.py",
               "routes.words": tmp_path / "words.py", "routes.groups": tmp_path / "groups.py"}
    modules["lib.core.clock"].write_text("def f():\n    from lib.web import errors\n")
    modules["routes.groups"].write_text("from routes.words import bp\n")
    clock_imports = imports_of("lib.core.clock", modules["lib.core.clock"], modules)
    assert clock_imports == [("lib.web.errors", "lib.web.errors")]
    assert layer_of("lib.web.errors") > layer_of("lib.core.clock")
    assert imports_of("routes.groups", modules["routes.groups"], modules) == [("routes.words.bp", "routes.words")]
