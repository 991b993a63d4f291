"""pip-audit of the locked dependencies (requirements/lock.txt), for `make audit-deps`.

A known vulnerability fails, unless security/pip-audit-allow.txt accepts it with a reason. Where PyPI's vulnerability
data cannot be reached at all (every package comes back "not found", as on a network that mirrors only the package
index), the audit cannot run: that is said loudly and the run goes on, since no finding was made (SECURITY.md E.28:
"pip-audit runs where the network allows"). Some packages checked and others not is a failure.
"""
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
LOCK = HERE.parent / "requirements" / "lock.txt"
ALLOW = HERE / "pip-audit-allow.txt"


def accepted() -> dict[str, str]:
    """advisory id -> why it is accepted, from the allowlist."""
    found = {}
    for line in ALLOW.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            advisory, _sep, reason = line.partition(" ")
            found[advisory] = reason.strip()
    return found


def audit() -> dict:
    command = [sys.executable, "-m", "pip_audit", "--requirement", str(LOCK), "--no-deps", "--format", "json",
               "--progress-spinner", "off"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # nosec B603 # our own command
    if not done.stdout.strip():
        sys.exit(f"pip-audit gave no answer (exit {done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout)


def main() -> int:
    allowed = accepted()
    report = audit()
    dependencies = report.get("dependencies", [])
    skipped = [d for d in dependencies if d.get("skip_reason")]
    findings = [(d["name"], d["version"], v["id"]) for d in dependencies for v in d.get("vulns", [])
                if v["id"] not in allowed and not set(v.get("aliases", [])) & set(allowed)]
    for name, version, advisory in findings:
        print(f"VULNERABLE: {name} {version}: {advisory} (fix it, or accept it with a reason in {ALLOW.name})")
    if findings:
        return 1
    if skipped and len(skipped) == len(dependencies):
        print("=" * 100)
        print(f"DEPENDENCY AUDIT NOT RUN: none of the {len(dependencies)} locked packages could be checked, because "
              "PyPI's vulnerability data is out of reach from this network:")
        print(f"  {skipped[0]['skip_reason']}")
        print("Run `make audit-deps` where pypi.org/pypi/<name>/<version>/json is reachable.")
        print("=" * 100)
        return 0
    if skipped:
        for dependency in skipped:
            print(f"UNCHECKED: {dependency['name']}: {dependency['skip_reason']}")
        return 1
    print(f"{len(dependencies)} locked packages checked: no known vulnerability"
          + (f" beyond the {len(allowed)} accepted" if allowed else "") + ".")
    return 0


if __name__ == "__main__":
    sys.exit(main())
