"""The debate of the tests (tests/fixtures/debate/): its proposition, the roles its team
writes into the taxonomy init made, and the stance each of its invented actors takes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from tests.helpers import REPO

FIXTURES = REPO / "tests" / "fixtures" / "debate"
CORPUS = FIXTURES / "corpus.jsonl"
PAGE = FIXTURES / "page.html"
PROPOSITION = "Nuclear power should count as a sustainable investment in the EU taxonomy"
TITLE = "Nuclear power in the EU taxonomy"

# The roles the team writes before `other`, as the commented form in taxonomy.yaml shows.
ROLES: list[dict[str, Any]] = [
    {
        "value": "climate",
        "definition": "Cutting carbon emissions, or the climate goals the label serves.",
        "examples": ["nuclear power was indispensable to cut carbon emissions"],
        "keywords": ["climate", "carbon", "emissions", "net zero"],
    },
    {
        "value": "cost",
        "definition": "What nuclear power, its plants or the label cost or save.",
        "examples": ["the label would raise the cost of capital for wind and solar projects"],
        "keywords": ["cost", "costs", "expensive", "cheap", "cost overruns"],
    },
    {
        "value": "safety",
        "definition": "Accidents, radioactive waste and the safety of plants and storage.",
        "examples": ["the safety risks of an accident do not stop at borders"],
        "keywords": ["safety", "safe", "accident", "radioactive waste"],
    },
]


def write_roles(taxonomy: Path, roles: list[dict[str, Any]] = ROLES) -> None:
    """Put ``roles`` before the generic ``other`` role of a taxonomy init wrote."""
    data = yaml.safe_load(taxonomy.read_text(encoding="utf-8"))
    data["roles"] = [*roles, *data["roles"]]
    taxonomy.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")


def article_titles() -> list[str]:
    """The titles of the articles of the tests: the corpus's, then the saved page's."""
    corpus = [json.loads(line)["title"] for line in CORPUS.read_text("utf-8").splitlines()]
    return [*corpus, "France welcomes nuclear label, Germany objects"]  # the page's og:title
