"""Reference public names (shared/facts/api/*.txt) exist in our same-named modules with compatible signatures.

Run `python tests/test_api_facts.py` (or `pytest -s`) for the per-module coverage table. Names listed in
ultralytics_clone/out_of_scope.py are excluded: importing them raises NotInScopeError with the reason.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

_HERE = Path(__file__).resolve()
FACTS_API = _HERE.parents[2] / "shared" / "facts" / "api"
if not FACTS_API.is_dir():  # a checkout with shared/ inside it
    FACTS_API = _HERE.parents[1] / "shared" / "facts" / "api"

# Classes users call methods on directly; their public methods and properties are checked too.
# Other classes (layers, engines' internals) get name + constructor checks; their members are reported only.
USER_FACING = {
    "ultralytics.engine.model": {"Model"},
    "ultralytics.engine.results": {"Results", "Boxes", "Masks", "Keypoints", "Probs", "OBB", "BaseTensor"},
    "ultralytics.models.yolo": {"YOLO"},
    "ultralytics": {"YOLO"},
    "ultralytics.utils": {"SettingsManager", "YAML", "IterableSimpleNamespace", "DataExportMixin", "JSONDict"},
    "ultralytics.utils.metrics": {"DetMetrics", "Metric", "ConfusionMatrix"},
    "ultralytics.utils.instance": {"Instances", "Bboxes"},
    "ultralytics.utils.torch_utils": {"ModelEMA", "EarlyStopping"},
    "ultralytics.utils.ops": {"Profile"},
}
# Protocol dunders users rely on through syntax (len(), r[0], iteration, calling).
CHECKED_DUNDERS = {"__call__", "__len__", "__getitem__", "__iter__", "__enter__", "__exit__", "__contains__"}
# Optional extras that importing any public module must not load.
OPTIONAL_EXTRAS = (
    "onnxruntime", "openvino", "nncf", "pnnx", "ncnn", "lancedb", "duckdb", "streamlit", "tensorboard",
    "torch.utils.tensorboard", "mlflow", "motmetrics", "pandas", "cloudpickle", "mkdocs", "polars", "tensorrt",
    "coremltools", "tensorflow", "wandb", "clearml", "comet_ml", "neptune", "dvclive", "ray", "lap", "scipy",
)  # fmt: skip


@dataclass
class Entry:
    """One public name of a reference module, with its members when it is a class."""

    kind: str  # function, class, constant, module, unresolved
    name: str
    params: str | None = None  # text inside the parentheses, None when absent or unreadable '(?)'
    third_party: bool = False
    members: list[tuple[str, str, str | None]] = field(default_factory=list)  # (kind, name, params)


def _split_params(text: str) -> list[str]:
    """Split a parameter list on top-level commas (brackets and quotes respected)."""
    parts, depth, quote, cur = [], 0, "", []
    for ch in text:
        if quote:
            cur.append(ch)
            if ch == quote:
                quote = ""
            continue
        if ch in "'\"":
            quote = ch
        elif ch in "([{<":
            depth += 1
        elif ch in ")]}>":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
            continue
        cur.append(ch)
    if "".join(cur).strip():
        parts.append("".join(cur).strip())
    return parts


def _head(rest: str) -> tuple[str, str | None]:
    """'name(params)  [..]' -> (name, params); params None for '(?)' or no parentheses."""
    if "(" not in rest.split()[0] and not rest.split()[0].endswith(")"):
        name = rest.split("(")[0].split()[0]
        if "(" not in rest:
            return name, None
    name, _, tail = rest.partition("(")
    depth, params = 1, []
    for ch in tail:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                break
        params.append(ch)
    text = "".join(params)
    return name.strip(), None if text == "?" else text


def parse_facts(path: Path) -> list[Entry]:
    """Entries of one facts file."""
    entries: list[Entry] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("  "):
            kind, _, rest = line.strip().partition(" ")
            name, params = _head(rest) if kind in {"method", "staticmethod", "classmethod"} else (rest.split()[0], None)
            entries[-1].members.append((kind, name, params))
            continue
        kind, _, rest = line.partition(" ")
        if kind in {"function", "class"}:
            name, params = _head(rest)
            entries.append(Entry(kind, name, params, third_party="[third-party class" in rest))
        else:
            entries.append(Entry(kind, rest.split(":")[0].split()[0]))
    return entries


def facts_modules() -> list[str]:
    """Reference module names that have a facts file."""
    return sorted(p.stem for p in FACTS_API.glob("ultralytics*.txt"))


def clone_module_name(ref: str) -> str:
    return "ultralytics_clone" + ref[len("ultralytics") :]


# ---------------------------------------------------------------------------------------------------------------------
_MISSING = object()


def _literal(text: str):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return _MISSING


def _same_default(ours, ref_text: str) -> bool:
    value = _literal(ref_text)
    if value is _MISSING:  # <path>, DEFAULT_CFG, <Tensor>...: only require a default to exist
        return ours is not inspect.Parameter.empty
    if isinstance(value, bool) or isinstance(ours, bool) or value is None or ours is None:
        return type(ours) is type(value) and ours == value
    if isinstance(value, (list, tuple)) and isinstance(ours, (list, tuple)):
        return tuple(ours) == tuple(value)
    if isinstance(value, (int, float)) and isinstance(ours, (int, float)):
        return float(ours) == float(value)
    return type(ours) is type(value) and ours == value


def signature_problems(obj, ref_params: str, drop_first: bool = False) -> list[str]:
    """Why `obj`'s signature is not call-compatible with the reference parameter text ([] when it is)."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError) as err:
        return [f"no readable signature ({err})"]
    ours = list(sig.parameters.values())
    ref = _split_params(ref_params)
    if drop_first and ref:
        ref = ref[1:]
    P = inspect.Parameter
    ref_pos, ref_kw, ref_var_pos, ref_var_kw, kw_only = [], {}, False, False, False
    for tok in ref:
        if tok == "/":
            continue
        if tok == "*":
            kw_only = True
        elif tok.startswith("**"):
            ref_var_kw = True
        elif tok.startswith("*"):
            ref_var_pos, kw_only = True, True
        else:
            name, eq, default = tok.partition("=")
            (ref_kw.__setitem__(name, default if eq else None) if kw_only else ref_pos.append((name, default if eq else None)))
    problems = []
    our_pos = [p for p in ours if p.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)]
    by_name = {p.name: p for p in ours}
    has_var_pos = any(p.kind is P.VAR_POSITIONAL for p in ours)
    has_var_kw = any(p.kind is P.VAR_KEYWORD for p in ours)
    for i, (name, default) in enumerate(ref_pos):
        if i >= len(our_pos):
            problems.append(f"missing parameter '{name}'")
            continue
        p = our_pos[i]
        if p.name != name and p.kind is not P.POSITIONAL_ONLY:
            problems.append(f"parameter {i + 1} is '{p.name}', reference has '{name}'")
            continue
        if default is None and p.default is not P.empty and p.name not in {"self", "cls"}:
            pass  # we accept a default where the reference requires the argument
        elif default is not None and not _same_default(p.default, default):
            shown = "none" if p.default is P.empty else repr(p.default)
            problems.append(f"'{name}' default is {shown}, reference {default}")
    for name, default in ref_kw.items():
        p = by_name.get(name)
        if p is None or p.kind not in (P.KEYWORD_ONLY, P.POSITIONAL_OR_KEYWORD):
            problems.append(f"missing keyword parameter '{name}'")
        elif default is not None and not _same_default(p.default, default):
            problems.append(f"'{name}' default is {p.default!r}, reference {default}")
    if ref_var_pos and not has_var_pos:
        problems.append("missing *args")
    if ref_var_kw and not has_var_kw:
        problems.append("missing **kwargs")
    known = {n for n, _ in ref_pos} | set(ref_kw)
    for i, p in enumerate(ours):
        if p.kind in (P.VAR_POSITIONAL, P.VAR_KEYWORD) or p.name in known or p.default is not P.empty:
            continue
        if p.kind is P.POSITIONAL_ONLY and i < len(ref_pos):
            continue
        problems.append(f"extra parameter '{p.name}' has no default")
    return problems


@dataclass
class ModuleReport:
    module: str
    total: int = 0
    ok: int = 0
    out_of_scope: int = 0
    unresolved: int = 0
    failures: list[str] = field(default_factory=list)
    members_total: int = 0
    members_ok: int = 0
    import_error: str = ""


def _member_problems(cls, kind: str, name: str, params: str | None) -> list[str]:
    raw = inspect.getattr_static(cls, name, _MISSING)
    if raw is _MISSING:
        return ["missing"]
    if kind in {"method", "classmethod", "staticmethod"} and params is not None and params != "*args, **kwargs":
        # a bare (*args, **kwargs) is a decorator's wrapper in the reference: it says nothing about the call
        target = getattr(cls, name)
        if not callable(target):
            return ["not callable"]
        if type(target).__name__ in {"method_descriptor", "wrapper_descriptor", "builtin_function_or_method"}:
            return []  # inherited from a builtin type (dict.clear...): no signature to read, behaviour is the builtin's
        drop = kind == "classmethod" or (kind == "method" and isinstance(raw, (classmethod, staticmethod)))
        if kind == "method" and isinstance(raw, staticmethod):
            drop = True
        return signature_problems(target, params, drop_first=drop)
    return []


def check_module(ref_module: str) -> ModuleReport:
    """Compare one reference module's facts with our same-named module."""
    from ultralytics_clone.out_of_scope import member_out_of_scope_reason, out_of_scope_reason

    mod_name = clone_module_name(ref_module)
    report = ModuleReport(ref_module)
    entries = parse_facts(FACTS_API / f"{ref_module}.txt")
    try:
        mod = importlib.import_module(mod_name)
    except Exception as err:  # the report names the failure; any import error counts every name as missing
        mod, report.import_error = None, f"{type(err).__name__}: {err}"
    user_facing = USER_FACING.get(ref_module, set())
    for e in entries:
        report.total += 1
        if e.kind == "unresolved":
            report.unresolved += 1
            continue
        if out_of_scope_reason(mod_name, e.name):
            report.out_of_scope += 1
            continue
        if mod is None:
            report.failures.append(f"{e.name}: module does not import ({report.import_error})")
            continue
        try:
            obj = getattr(mod, e.name)
        except Exception as err:  # AttributeError, or a lazy import that fails: both are missing names
            report.failures.append(f"{e.name}: missing ({type(err).__name__}: {err})")
            continue
        problems: list[str] = []
        if e.kind in {"function", "class"} and e.params is not None and not e.third_party:
            if not callable(obj):
                problems.append(f"is {type(obj).__name__}, reference has a {e.kind}")
            else:
                problems += signature_problems(obj, e.params)
        if e.kind == "class" and inspect.isclass(obj):
            for kind, name, params in e.members:
                public = not name.startswith("_") or name in CHECKED_DUNDERS
                if kind in {"attribute", "nested-class"} or not public:
                    continue
                report.members_total += 1
                bad = _member_problems(obj, kind, name, params)
                if not bad:
                    report.members_ok += 1
                elif e.name in user_facing and not member_out_of_scope_reason(obj, name):
                    problems += [f"{e.name}.{name}: {b}" for b in bad]
        if problems:
            report.failures.append(f"{e.name}: " + "; ".join(problems))
        else:
            report.ok += 1
    return report


def coverage_table(reports: list[ModuleReport]) -> str:
    """Markdown table: names provided, out of scope, failing, and member coverage (informational) per module."""
    rows = ["| module | public names | ok | out of scope | failing | members (methods/properties) |", "|---|---|---|---|---|---|"]
    tot = [0, 0, 0, 0, 0, 0]
    for r in reports:
        failing = len(r.failures)
        rows.append(
            f"| `{r.module}` | {r.total} | {r.ok} | {r.out_of_scope} | {failing} | {r.members_ok}/{r.members_total} |"
        )
        for i, v in enumerate((r.total, r.ok, r.out_of_scope, failing, r.members_ok, r.members_total)):
            tot[i] += v
    rows.append(f"| **total** | {tot[0]} | {tot[1]} | {tot[2]} | {tot[3]} | {tot[4]}/{tot[5]} |")
    return "\n".join(rows)


# ---------------------------------------------------------------------------------------------------------------------
pytestmark = pytest.mark.skipif(not FACTS_API.is_dir(), reason="shared/facts/api is not in this checkout")

_REPORTS: dict[str, ModuleReport] = {}


@pytest.mark.parametrize("ref_module", facts_modules() if FACTS_API.is_dir() else [])
def test_module_names_and_signatures(ref_module: str) -> None:
    report = check_module(ref_module)
    _REPORTS[ref_module] = report
    detail = "\n  ".join(report.failures)
    assert not report.failures, f"{clone_module_name(ref_module)} lacks or mismatches reference names:\n  {detail}"


def test_print_coverage() -> None:
    """Coverage per module (shown with `pytest -s`); every facts module is reported."""
    reports = [_REPORTS.get(m) or check_module(m) for m in facts_modules()]
    print("\n" + coverage_table(reports))  # noqa: T201  (the coverage table is this output)
    assert len(reports) == len(facts_modules())


def test_out_of_scope_names_raise_clear_error() -> None:
    """`from module import name` of an out-of-scope name raises NotInScopeError with the reason, never AttributeError."""
    from ultralytics_clone.out_of_scope import OUT_OF_SCOPE
    from ultralytics_clone.utils.errors import NotInScopeError

    assert OUT_OF_SCOPE, "the out-of-scope list is empty"
    for module, names in OUT_OF_SCOPE.items():
        mod = importlib.import_module(module)
        for name, reason in names.items():
            with pytest.raises(NotInScopeError) as info:
                exec(f"from {module} import {name}", {})
            assert reason in str(info.value) and name in str(info.value)
            assert isinstance(info.value, ImportError) and not isinstance(info.value, AttributeError)
            with pytest.raises(NotInScopeError):
                getattr(mod, name)


def test_facts_modules_import_without_optional_extras() -> None:
    """Importing every facts module in a fresh process works and loads none of the optional extras."""
    mods = [clone_module_name(m) for m in facts_modules()]
    code = (
        "import importlib, json, sys\n"
        f"mods = {mods!r}\n"
        "errors = {}\n"
        "for m in mods:\n"
        "    try:\n"
        "        importlib.import_module(m)\n"
        "    except Exception as e:\n"
        "        errors[m] = f'{type(e).__name__}: {e}'\n"
        f"extras = [x for x in {OPTIONAL_EXTRAS!r} if x in sys.modules]\n"
        "print(json.dumps({'errors': errors, 'extras': extras}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert not result["errors"], f"modules failing to import: {result['errors']}"
    assert not result["extras"], f"optional extras loaded by a plain import: {result['extras']}"


if __name__ == "__main__":  # coverage table for notes: python tests/test_api_facts.py [--failures]
    sys.path.insert(0, str(_HERE.parents[1]))
    all_reports = [check_module(m) for m in facts_modules()]
    print(coverage_table(all_reports))  # noqa: T201  (the coverage table is this output)
    if "--failures" in sys.argv:
        for r in all_reports:
            for f in r.failures:
                print(f"{r.module}: {f}")  # noqa: T201  (the coverage table is this output)
