"""The dependency audit's inputs hold (SECURITY.md E.28; issue #18, item 11): every accepted finding says which
check and why, the lock pins every dependency pyproject.toml asks for, installs use it, and CI audits before it
tests. The audit itself (`make audit`: bandit over civicvoice/, pip-audit of the lock) runs in .ci/run, not here:
pip-audit needs the network."""
import importlib.util
import re
import tokenize
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements" / "lock.txt"
ALLOW = ROOT / "security" / "pip-audit-allow.txt"
ADVISORY = re.compile(r"^(PYSEC-\d{4}-\d+|GHSA(-[23456789cfghjmpqrvwx]{4}){3}|CVE-\d{4}-\d{4,}|OSV-[\w.-]+)$")
# `# nosec B704 # why`: the checks it silences by id (never all of them), then the reason after a second `#`
# (bandit reads up to that `#` as check ids).
NOSEC = re.compile(r"#\s*nosec\b(?P<ids>[^#]*)(#\s*(?P<reason>.*))?$")


def _lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.lstrip()
            .startswith("#")]


def _comments(path: Path):
    with path.open("rb") as source:
        for token in tokenize.tokenize(source.readline):
            if token.type == tokenize.COMMENT:
                yield token.start[0], token.string


def test_every_accepted_vulnerability_names_an_advisory_and_says_why():
    for line in _lines(ALLOW):
        advisory, _, reason = line.partition(" ")
        assert ADVISORY.match(advisory), line
        assert len(reason.split()) >= 3, f"{advisory}: say why it is accepted"


def test_no_vulnerability_is_accepted_twice():
    advisories = [line.split()[0] for line in _lines(ALLOW)]
    assert len(advisories) == len(set(advisories))


def test_the_allowlist_format_is_read_as_the_makefile_reads_it():
    """The Makefile passes the first word of each line that is not a comment as --ignore-vuln."""
    assert "pip-audit-allow.txt" in (ROOT / "Makefile").read_text()
    assert all(not line.startswith("-") for line in _lines(ALLOW))


def test_every_accepted_bandit_finding_names_its_checks_and_says_why():
    found = []
    for path in sorted((ROOT / "civicvoice").rglob("*.py")):
        for number, comment in _comments(path):
            match = NOSEC.search(comment)
            if match is None:
                continue
            where = f"{path.relative_to(ROOT)}:{number}"
            ids = match["ids"].replace(",", " ").split()
            assert ids and all(re.fullmatch(r"B\d{3}", test) for test in ids), f"{where}: name the check (B123)"
            assert len((match["reason"] or "").split()) >= 4, f"{where}: say why, after a second #"
            found.append(where)
    assert found, "the scan found the accepted findings (or this test reads nothing)"


def test_the_lock_pins_every_package_exactly_once():
    names = []
    for line in _lines(LOCK):
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*==[^\s=;]+", line), f"not an exact pin: {line}"
        names.append(canonicalize_name(line.split("==")[0]))
    assert len(names) == len(set(names))


def test_the_lock_covers_the_app_its_tests_and_its_audit():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["test"] + \
        project["optional-dependencies"]["audit"]
    locked = {canonicalize_name(line.split("==")[0]): line.split("==")[1] for line in _lines(LOCK)}
    for text in wanted:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is not in the lock: run make lock"
        assert requirement.specifier.contains(locked[name], prereleases=True), \
            f"{name}=={locked[name]} is outside {requirement.specifier}: run make lock"


def test_installs_use_the_lock_and_ci_audits_before_it_tests():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("setup", "setup-test", "setup-audit"):
        recipe = re.search(rf"^{target}:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
        assert recipe and "-c $(LOCK)" in recipe.group(1), target
    assert "security/audit_dependencies.py" in makefile
    steps = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
             if line.strip().startswith("make ")]
    assert steps == ["make audit", "make test"]


def _dependency_audit(monkeypatch, report, allowed=""):
    spec = importlib.util.spec_from_file_location("audit_dependencies", ROOT / "security" / "audit_dependencies.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "audit", lambda: report)
    monkeypatch.setattr(module, "accepted", lambda: dict(line.split(" ", 1) for line in allowed.splitlines()))
    return module.main()


def _ok(name):
    return {"name": name, "version": "1.0", "vulns": []}


def test_a_known_vulnerability_fails_the_audit_unless_accepted(monkeypatch):
    report = {"dependencies": [_ok("flask"), {"name": "jinja2", "version": "2.10", "vulns": [
        {"id": "PYSEC-2019-217", "aliases": ["CVE-2019-10906"], "fix_versions": ["2.10.1"]}]}]}
    assert _dependency_audit(monkeypatch, report) == 1
    assert _dependency_audit(monkeypatch, report, "CVE-2019-10906 sandbox escape: no user templates here") == 0
    assert _dependency_audit(monkeypatch, {"dependencies": [_ok("flask"), _ok("jinja2")]}) == 0


def test_packages_left_unchecked_fail_unless_the_data_is_out_of_reach_for_all(monkeypatch):
    skipped = {"name": "alembic", "skip_reason": "Dependency not found on PyPI and could not be audited"}
    assert _dependency_audit(monkeypatch, {"dependencies": [_ok("flask"), skipped]}) == 1
    assert _dependency_audit(monkeypatch, {"dependencies": [skipped, dict(skipped, name="flask")]}) == 0
