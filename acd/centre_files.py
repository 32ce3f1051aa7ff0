"""The files of ivr-config/: which one holds which section of the centre, read with
their YAML node trees so that every problem found later can name a file and line."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class Source:
    path: Path
    root: yaml.Node | None
    whole_file: bool = False


# Which file holds which top-level section.
SECTION_FILES = {
    "skills": "queues.yaml",
    "queues": "queues.yaml",
    "agents": "agents.yaml",
    "ivr": "ivr.yaml",
}
# Files that are one section as a whole (their schema belongs to crm.intake).
WHOLE_FILE_SECTIONS = {"intake.yaml": "intake"}


def line_of(node: yaml.Node | None, loc: Iterable[Any]) -> int | None:
    """Follow a pydantic error location through the YAML node tree to a line."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if str(key_node.value) == str(part):
                    node = value_node
                    line = key_node.start_mark.line + 1
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return line
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def read_sources(directory: Path) -> tuple[dict[str, Any], dict[str, Source], list[str]]:
    raw: dict[str, Any] = {}
    sources: dict[str, Source] = {}
    problems: list[str] = []
    for filename in sorted({*SECTION_FILES.values(), *WHOLE_FILE_SECTIONS}):
        path = directory / filename
        if not path.exists():
            continue
        try:
            text = path.read_text()
            node = yaml.compose(text, Loader=yaml.SafeLoader)
            data = yaml.safe_load(text) or {}
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark
            where = f"{path}:{mark.line + 1}" if mark else str(path)
            problems.append(f"{where}: {exc.problem}")
            continue
        if not isinstance(data, dict):
            problems.append(f"{path}:1: expected a mapping of sections")
            continue
        if filename in WHOLE_FILE_SECTIONS:
            section = WHOLE_FILE_SECTIONS[filename]
            raw[section] = data
            sources[section] = Source(path, node, whole_file=True)
            continue
        for section, value in data.items():
            if SECTION_FILES.get(section) != filename:
                line = line_of(node, [section])
                problems.append(
                    f"{path}:{line}: unknown section '{section}' "
                    f"(this file holds: {', '.join(k for k, f in SECTION_FILES.items() if f == filename)})"
                )
                continue
            raw[section] = value
            sources[section] = Source(path, node)
    return raw, sources, problems
