"""How layered the code is: the imports written inside functions, and the apps that import
each other.

    python scripts/layers_report.py [ROOT]     # ROOT defaults to genxi/

Reads the source (no Django needed). Tests, migrations and conftest.py are left out. An import
inside a function usually hides a cycle between apps; the layering contract (import-linter, in
pyproject.toml) reports the same cycles as broken contracts.
"""

import ast
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def modules(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts or "tests" in path.parts or path.name == "conftest.py":
            continue
        yield path


def imported(node: ast.Import | ast.ImportFrom, package: str) -> list[str]:
    """The absolute module names an import statement names."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:  # relative: resolved against the importing module's package
        base = package.split(".")[: len(package.split(".")) - node.level + 1]
        return [".".join([*base, node.module] if node.module else base)]
    return [node.module or ""]


def local_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Import statements inside a function body, each counted once (nested functions too)."""
    found: dict[int, ast.Import | ast.ImportFrom] = {}
    for node in ast.walk(tree):
        if isinstance(node, FUNCTIONS):
            for sub in ast.walk(node):
                if isinstance(sub, (ast.Import, ast.ImportFrom)):
                    found[id(sub)] = sub
    return list(found.values())


def main(root: Path) -> None:
    top = root.name
    local_total = local_own = 0
    by_file: dict[str, int] = defaultdict(int)
    edges: dict[str, set[str]] = defaultdict(set)
    for path in modules(root):
        relative = path.relative_to(root.parent).with_suffix("")
        name = ".".join(relative.parts)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        app = relative.parts[1] if len(relative.parts) > 2 else relative.parts[-1]
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for statement in local_imports(tree):
            local_total += 1
            if any(n == top or n.startswith(f"{top}.") for n in imported(statement, package)):
                local_own += 1
                by_file[str(path)] += 1
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in imported(node, package):
                    parts = target.split(".")
                    if parts[0] == top and len(parts) > 1 and parts[1] != app:
                        edges[app].add(parts[1])
    print(f"function-local imports: {local_total}, of {top} modules: {local_own}")
    for file, count in sorted(by_file.items(), key=lambda item: (-item[1], item[0])):
        print(f"  {count:3}  {file}")
    mutual = {(a, b) for a, targets in edges.items() for b in targets if a in edges.get(b, ())}
    pairs = sorted({tuple(sorted(pair)) for pair in mutual})
    print(f"app pairs importing each other: {len(pairs)}")
    for a, b in pairs:
        print(f"  {a} <-> {b}")
    print("imports between apps:")
    for app in sorted(edges):
        print(f"  {app} -> {', '.join(sorted(edges[app]))}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "genxi"))
