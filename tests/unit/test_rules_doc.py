"""docs/rules.md says what every rule id the code and the tests cite means."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RULE_ID = re.compile(r"\b[CDPQS][0-9]{1,2}\b")


def test_every_rule_id_cited_in_the_code_and_tests_is_in_docs_rules_md() -> None:
    cited: dict[str, str] = {}
    for folder in ("acd", "crm", "tests", "scripts", "ivr-config"):
        for path in sorted((REPO / folder).rglob("*")):
            if path.suffix in {".py", ".js", ".html", ".yaml"} and path.is_file():
                for rule in RULE_ID.findall(path.read_text(encoding="utf-8")):
                    cited.setdefault(rule, str(path.relative_to(REPO)))
    glossary = set(
        re.findall(r"^\| ([A-Z][0-9]{1,2}) \|", (REPO / "docs" / "rules.md").read_text(), re.M)
    )
    assert cited, "no rule id found: the pattern is wrong"
    assert {rule: where for rule, where in cited.items() if rule not in glossary} == {}
