"""The house's layers hold: plumbing < core < features < application, no import circle, no import in a function.

The rules and the picture are in tests/layers.py (`python -m tests.layers` prints them); docs/architecture.md
explains them. Each failure names the import that breaks a rule, with its file and line.
"""
import textwrap

import pytest

from tests import layers


@pytest.fixture(scope="module")
def found():
    return layers.imports()


def test_every_package_and_module_has_a_layer(found):
    assert not layers.unknown_units(found), "place these in tests/layers.py (and docs/architecture.md)"


def test_no_arrow_points_the_wrong_way(found):
    assert [str(i) for i in layers.wrong_arrows(found)] == []


def test_no_circle_between_packages(found):
    assert layers.cycles(layers.graph(found)) == []


def test_no_circle_between_modules(found):
    assert layers.cycles(layers.graph(found, level=lambda module: module)) == []


def test_no_import_inside_a_function(found):
    """Imports dodging a circle hide it; only WeasyPrint (loaded when a PDF is asked for) and CLI commands may."""
    assert [str(i) for i in layers.lazy_imports(found)] == []


def test_the_core_announces_and_features_subscribe(found):
    """The core never names a feature, not even inside a function: it sends signals or offers page sections."""
    core_to_features = [str(i) for i in layers.own(found)
                        if layers.layer_of(i.arrow[0]) == "core" and layers.layer_of(i.arrow[1]) == "feature"]
    assert core_to_features == []


# The checker itself: each rule catches what it is for. --------------------------------------------------------

def _tree(tmp_path, files: dict[str, str]):
    root = tmp_path / "civicvoice"
    for name, text in {"__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return layers.imports(root)


def test_the_checker_sees_a_core_package_importing_a_feature_inside_a_function(tmp_path):
    found = _tree(tmp_path, {
        "proposals/__init__.py": "", "voting/__init__.py": "", "voting/services.py": "",
        "proposals/services.py": """
            def close():
                from ..voting import services
                return services
            """,
    })
    assert [i.arrow for i in layers.wrong_arrows(found)] == [("proposals", "voting")]
    assert [i.target for i in layers.lazy_imports(found)] == ["civicvoice.voting.services"]


def test_the_checker_sees_a_circle_and_resolves_from_package_import_module(tmp_path):
    found = _tree(tmp_path, {
        "letters/__init__.py": "", "volunteers/__init__.py": "",
        "letters/services.py": "from ..volunteers import certificate\n",
        "volunteers/certificate.py": "from ..letters import services\n",
    })
    assert layers.cycles(layers.graph(found)) == [["letters", "volunteers"]]
    assert layers.cycles(layers.graph(found, level=lambda m: m)) == [
        ["civicvoice.letters.services", "civicvoice.volunteers.certificate"]]


def test_the_checker_allows_what_the_layers_allow(tmp_path):
    found = _tree(tmp_path, {
        "database.py": "", "proposals/__init__.py": "", "letters/__init__.py": "", "voting/__init__.py": "",
        "proposals/models.py": "from ..database import x\n",
        "letters/services.py": "from ..proposals import models\nfrom ..voting import services\n",
        "voting/services.py": "from ..proposals import models\n",
        "pdf.py": "def render():\n    import weasyprint\n",
        "cli.py": "def command():\n    from .letters import services\n",
    })
    assert layers.wrong_arrows(found) == [] and layers.lazy_imports(found) == []
    assert layers.cycles(layers.graph(found)) == []
