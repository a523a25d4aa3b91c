"""The dependency rule (README, "Layout"): `accounts` ← `cases` ← `codebook` ← `coding`.

A lower app's modules import no higher app, except its top layer (views, URL modules, admin, management
commands), which may import any app's public names. No module of a lower app, top layer included, reaches a
higher app's models by the back door: the reverse accessors and query names the higher apps' relations add to
the lower app's models (derived here from Django's model graph), `related_model`, `apps.get_model`, lazy model
labels, or a copy of a higher app's choice value.
"""

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.postgres import aggregates as postgres_aggregates
from django.db import models
from django.db.models import functions

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("accounts", "cases", "codebook", "coding")  # lowest first

# What can follow a related manager: `code.codings.filter(…)`, `Code.codings.rel`.
MANAGER_ATTRS = frozenset(name for name in dir(models.QuerySet) if not name.startswith("_")) | {
    "add",
    "clear",
    "create",
    "field",
    "rel",
    "related_manager_cls",
    "remove",
    "set",
    "through",
}
# Calls whose string arguments are ORM paths: `Count("codings")`, `.values_list("segments__start")`.
PATH_CALLS = frozenset(
    name for module in (models, functions, postgres_aggregates) for name in dir(module) if name[:1].isupper()
) | {
    "dates",
    "datetimes",
    "defer",
    "distinct",
    "earliest",
    "get_field",
    "latest",
    "only",
    "order_by",
    "prefetch_related",
    "select_related",
    "values",
    "values_list",
}
# Calls whose keyword names are lookups: `.filter(segments__codings__isnull=False)`, `Q(codings=None)`.
LOOKUP_CALLS = frozenset({"exclude", "filter", "get", "get_or_create", "update_or_create", "Q"})
GRAPH_ATTRS = frozenset({"related_model", "related_objects"})
TEMPLATE_SUFFIXES = frozenset({".html", ".txt", ".xml", ".svg"})


def higher(app: str) -> tuple[str, ...]:
    return LAYERS[LAYERS.index(app) + 1 :]


def is_top(relative: Path) -> bool:
    """Views (modules or packages), URL modules, admin and management commands: the entry points."""
    parts = relative.parts
    return (
        parts[-1] in {"views.py", "urls.py", "admin.py"}
        or "views" in parts[:-1]
        or (len(parts) > 2 and parts[-3:-1] == ("management", "commands"))
    )


def is_entry_point(dotted: str) -> bool:
    """Whether an imported module (`coding.analysis.views.matrix`) belongs to an app's top layer."""
    parts = dotted.split(".")[1:]
    return bool({"views", "urls", "admin"} & set(parts)) or "management.commands" in ".".join(parts)


@dataclass(frozen=True)
class Doors:
    """What source in `app` must not name, because it leads into a higher app."""

    app: str
    above: tuple[str, ...]
    accessors: frozenset[str]  # `transcript.segments`
    queries: frozenset[str]  # `"segments__codings"`
    labels: frozenset[str]  # `"coding.Coding"`, `"coding.coding"`
    values: dict[str, str]  # `"none"` → `coding.models.Valence.NONE`


def doors(app: str) -> Doors:
    above = higher(app)
    accessors, queries, values = set(), set(), {}
    for model in apps.get_app_config(app).get_models():
        for relation in model._meta.related_objects:
            if relation.related_model._meta.app_label in above and not relation.hidden:
                accessors.add(relation.get_accessor_name())
                queries.add(relation.field.related_query_name())
    labels = {
        label
        for other in above
        for model in apps.get_app_config(other).get_models()
        for label in (model._meta.label, model._meta.label_lower)
    }
    for other in above:
        module = apps.get_app_config(other).models_module
        for name, value in vars(module).items():
            if (
                isinstance(value, type)
                and issubclass(value, models.Choices)
                and value.__module__ == module.__name__
            ):
                for member in value:
                    if isinstance(member.value, str):
                        values.setdefault(member.value, f"{module.__name__}.{name}.{member.name}")
    return Doors(app, above, frozenset(accessors), frozenset(queries), frozenset(labels), values)


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _text(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _head(path: str) -> str:
    return path.lstrip("-").split("__")[0]


def violations(source: str, *, doors: Doors, top: bool, where: str = "<source>") -> list[str]:
    """Each breach of the rule in one module's `source`, as "where:line: what"."""
    found: list[str] = []

    def breach(node: ast.AST, what: str) -> None:
        found.append(f"{where}:{node.lineno}: {what}")

    def imports(node: ast.AST, module: str, names: list[str]) -> None:
        parts = module.split(".")
        for dotted in [module, *(f"{module}.{name}" for name in names)]:
            if not top and parts[0] in LAYERS and is_entry_point(dotted):
                breach(node, f"imports {dotted}, an entry point (domain code never does)")
        if parts[0] not in doors.above:
            return
        if not top:
            breach(node, f"imports {module}, a higher app (only views, URLs, admin and commands may)")
        for name in names:
            if name.startswith("_"):
                breach(node, f"imports {module}.{name}, a private name of a higher app")

    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                imports(node, alias.name, [])
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imports(node, node.module, [alias.name for alias in node.names])
        elif isinstance(node, ast.Attribute):
            if node.attr in GRAPH_ATTRS:
                breach(node, f"walks the model graph (.{node.attr})")
            inner = node.value
            if (
                isinstance(inner, ast.Attribute)
                and inner.attr in doors.accessors
                and node.attr in MANAGER_ATTRS
            ):
                breach(node, f"reaches a higher app through .{inner.attr}.{node.attr}")
            if node.attr in doors.accessors and isinstance(inner, ast.Name) and inner.id[:1].isupper():
                breach(node, f"reaches a higher app through {inner.id}.{node.attr}")
        elif isinstance(node, ast.Call):
            called = _name(node.func)
            texts = [text for text in map(_text, node.args) if text is not None]
            if called in PATH_CALLS:
                for text in texts:
                    if _head(text) in doors.queries or (called == "get_field" and text in doors.accessors):
                        breach(node, f'reaches a higher app through the ORM path "{text}"')
            if called in LOOKUP_CALLS:
                keys = [keyword.arg for keyword in node.keywords if keyword.arg]
                for keyword in node.keywords:
                    if keyword.arg is None and isinstance(keyword.value, ast.Dict):
                        keys += [text for text in map(_text, keyword.value.keys) if text is not None]
                for key in keys:
                    if _head(key) in doors.queries:
                        breach(node, f"reaches a higher app through the lookup {key}=")
            if called in {"getattr", "hasattr"} and len(texts) == 1 and texts[0] in doors.accessors:
                breach(node, f'reaches a higher app through getattr(…, "{texts[0]}")')
            if called == "get_model" and texts and texts[0].split(".")[0] in doors.above:
                breach(node, f'loads a higher app\'s model with get_model("{texts[0]}")')
            if called in {"import_module", "__import__"} and texts and texts[0].split(".")[0] in doors.above:
                imports(node, texts[0], [])
        elif (text := _text(node)) is not None and text in doors.labels:
            breach(node, f'names a higher app\'s model "{text}"')
    for scope in [tree, *(node for node in ast.walk(tree) if isinstance(node, ast.ClassDef))]:
        for statement in scope.body:
            value = statement.value if isinstance(statement, ast.Assign | ast.AnnAssign) else None
            text = _text(value) if value is not None else None
            if text is not None and text in doors.values:
                breach(statement, f'copies {doors.values[text]} ("{text}"): import it or move the work up')
    return found


def template_violations(text: str, *, doors: Doors, where: str) -> list[str]:
    """Related managers of a higher app walked in a template: `{{ code.codings.count }}`."""
    if not doors.accessors:
        return []
    pattern = re.compile(
        rf"\.({'|'.join(map(re.escape, sorted(doors.accessors)))})\.({'|'.join(sorted(MANAGER_ATTRS))})\b"
    )
    return [
        f"{where}:{text.count(chr(10), 0, match.start()) + 1}: walks .{match.group(1)}.{match.group(2)}"
        for match in pattern.finditer(text)
    ]


def modules(app: str):
    base = ROOT / app
    for path in sorted(base.rglob("*.py")):
        relative = path.relative_to(base)
        if "migrations" not in relative.parts:
            yield path, relative


LOWER = LAYERS[:-1]


@pytest.mark.parametrize("app", LAYERS)
def test_apps_keep_to_the_dependency_rule(app):
    app_doors = doors(app)
    found = [
        breach
        for path, relative in modules(app)
        for breach in violations(
            path.read_text(), doors=app_doors, top=is_top(relative), where=str(path.relative_to(ROOT))
        )
    ]
    assert found == []


@pytest.mark.parametrize("app", LOWER)
def test_lower_apps_templates_do_not_walk_into_higher_apps(app):
    app_doors = doors(app)
    base = ROOT / "templates" / app
    paths = [path for path in sorted(base.rglob("*")) if path.suffix in TEMPLATE_SUFFIXES]
    assert paths, f"no templates found under {base}"
    found = [
        breach
        for path in paths
        for breach in template_violations(
            path.read_text(), doors=app_doors, where=str(path.relative_to(ROOT))
        )
    ]
    assert found == []


def test_the_doors_come_from_the_model_graph():
    """If the derivation came up empty, every check above would pass without looking."""
    assert {"codings", "memos"} <= doors("codebook").accessors
    assert {"segments", "memos", "codes"} <= doors("cases").accessors
    assert {"segments", "codes"} <= doors("cases").queries
    assert doors("codebook").values["none"] == "coding.models.Valence.NONE"
    assert "coding.Coding" in doors("cases").labels and "coding.Coding" in doors("codebook").labels
    assert not doors("coding").accessors and not doors("coding").above


@pytest.mark.parametrize(
    "relative, top",
    [
        ("views.py", True),
        ("urls.py", True),
        ("admin.py", True),
        ("analysis/views/matrix.py", True),
        ("management/commands/seed_codebook.py", True),
        ("forms.py", False),
        ("changes.py", False),
        ("exchange/imports.py", False),
        ("models.py", False),
    ],
)
def test_the_top_layer_is_the_entry_points(relative, top):
    assert is_top(Path(relative)) is top


def test_domain_code_of_the_highest_app_imports_no_entry_point():
    assert violations("from coding.workspace import views\n", doors=doors("coding"), top=False)
    assert not violations("from coding.workspace import actions\n", doors=doors("coding"), top=False)


PLANTED = {
    "an import": "from coding.models import Coding\n",
    "a plain import": "import coding.recoding\n",
    "an import inside a function": "def f():\n    from coding import usage\n    return usage\n",
    "an import for types only": "if TYPE_CHECKING:\n    from coding.models import Memo\n",
    "import_module": 'import importlib\nrecoding = importlib.import_module("coding.recoding")\n',
    "a reverse manager": "def f(code):\n    return code.codings.exists()\n",
    "a reverse manager's rel": "codings = Code.codings.rel.related_model.objects\n",
    "a reverse descriptor": "descriptor = Code.memos\n",
    "related_model": 'model = Code._meta.get_field("project").related_model\n',
    "get_field of a reverse relation": 'field = Code._meta.get_field("codings")\n',
    "an aggregate path": 'n = qs.aggregate(n=Count("codings__segment"))\n',
    "an annotation": 'qs = qs.annotate(coding_count=models.Count("codings", distinct=True))\n',
    "a values path": 'rows = qs.values_list("codings__segment__transcript")\n',
    "a descending order": 'qs = qs.order_by("-codings__created_at")\n',
    "a lookup": "qs = qs.filter(codings__coder=user)\n",
    "a Q lookup": "condition = Q(memos__isnull=False)\n",
    "an unpacked lookup": 'qs = qs.exclude(**{"codings__valence": value})\n',
    "getattr": 'manager = getattr(code, "codings")\n',
    "get_model": 'Coding = apps.get_model("coding", "Coding")\n',
    "a lazy label": 'segment = models.ForeignKey("coding.Segment", on_delete=models.CASCADE)\n',
    "a copied constant": 'NO_VALENCE = "none"\n',
    "a copied class constant": 'class Rules:\n    NEUTRAL: str = "none"\n',
    "an entry point": "from codebook.views import codebook\n",
    "a views package": "from coding.analysis.views import matrix\n",
}


@pytest.mark.parametrize("kind", PLANTED)
def test_the_checker_catches_a_planted_breach(kind):
    assert violations(PLANTED[kind], doors=doors("codebook"), top=False)


def test_the_checker_catches_a_back_door_in_a_view():
    assert not violations("from coding import recoding\n", doors=doors("codebook"), top=True)
    assert violations("from coding.recoding import _merged_memo\n", doors=doors("codebook"), top=True)
    assert violations('n = qs.aggregate(n=Count("segments__codings"))\n', doors=doors("cases"), top=True)
    assert violations("n = project.codes.count()\n", doors=doors("cases"), top=True)


def test_the_checker_lets_a_lower_apps_own_names_be():
    """A reader's own `segments` method, a dataclass field named `codings`, a history detail key, a view's
    context key and the lower app's own relations are not back doors."""
    source = """
class Reader:
    def segments(self, element):
        return list(self.segments(element))

def describe(gone, code, project):
    detail = {"codings": gone.codings, "memos": gone.memos}
    context = {"codings": 3, "code_count": project.codes_total}
    children = code.children.filter(name__iexact="x").values_list("name", flat=True)
    return detail, context, children, form.cleaned_data.get("codings")

LIMIT = "nonexistent"
"""
    assert violations(source, doors=doors("codebook"), top=False) == []


def test_the_template_check_catches_a_planted_breach():
    planted = "<td>{{ code.codings.count }}</td>{% for memo in code.memos.all %}{% endfor %}"
    assert len(template_violations(planted, doors=doors("codebook"), where="t.html")) == 2
    clean = "{{ form.codings.errors }} {{ kept.codings }} {% for coding in codings %}{% endfor %}"
    assert template_violations(clean, doors=doors("codebook"), where="t.html") == []
