"""MkDocs hooks: the reference pages made from the code at each build, so that they cannot
drift from it.

- reference/kinds/KIND.md, one per kind of estate document, from its JSON schema (the one
  `ccmsctl schema export` writes): every field with its type, whether it is required or its
  default, its bounds and its description; the nested objects in their own tables; an
  example document from the example estate (or a fixture) where one has that kind.
- reference/commands.md, from the typer application: every command and group, its usage,
  help and options.
- codes/index.md: every finding code with its summary, linking its page.
- changelog.md: the repository's CHANGELOG.md.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import typer
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = (ROOT / "sites" / "example", ROOT / "tests" / "fixtures" / "_base")


def on_files(files: Files, config: MkDocsConfig) -> Files:
    from ccmsctl.cli.main import app  # noqa: PLC0415 - the build imports ccmsctl
    from ccmsctl.model.schema import json_schemas  # noqa: PLC0415

    schemas = {
        name.removesuffix(".json"): json.loads(text)
        for name, text in json_schemas().items()
        if name != "ccmsctl.json"
    }
    pages = {
        f"reference/kinds/{kind_of(schema)}.md": kind_page(schema) for schema in schemas.values()
    }
    pages["reference/kinds/index.md"] = kinds_index(sorted(kind_of(s) for s in schemas.values()))
    pages["reference/commands.md"] = commands_page(typer.main.get_command(app))
    pages["codes/index.md"] = codes_index(Path(config.docs_dir) / "codes")
    pages["changelog.md"] = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    for path, content in pages.items():
        files.append(File.generated(config, path, content=content))
    return files


def kind_of(schema: dict[str, Any]) -> str:
    if "properties" not in schema and schema.get("oneOf"):
        schema = schema["oneOf"][0]  # environment.json: the Environment, or an overlay
    kind = schema.get("properties", {}).get("kind", {})
    return str(kind.get("const") or (kind.get("enum") or [schema.get("title", "")])[0])


def kinds_index(kinds: list[str]) -> str:
    rows = "\n".join(f"- [{kind}]({kind}.md)" for kind in kinds)
    return (
        "# Estate kinds\n\nAn estate is a folder of YAML documents; each has `kind:` and "
        "`name:`. The pages below are made from the models ccmsctl validates with, so they "
        f"say exactly what it accepts.\n\n{rows}\n"
    )


def kind_page(schema: dict[str, Any]) -> str:
    kind = kind_of(schema)
    definitions = schema.get("$defs", {})
    others = []
    if "properties" not in schema and schema.get("oneOf"):
        schema, *others = schema["oneOf"]
    lines = [f"# {kind}", "", _text(schema.get("description", "")), ""]
    lines += _table(schema, definitions)
    for other in others:
        title = other.get("title", "Other documents")
        lines += ["", f"## {title}", "", _text(other.get("description", "")), ""]
        lines += _table(other, definitions)
    shown: set[str] = set()
    todo = _refs(schema, definitions)
    while todo:
        name = todo.pop(0)
        if name in shown or name not in definitions:
            continue
        shown.add(name)
        definition = definitions[name]
        if "properties" not in definition:
            continue
        lines += ["", f"## {name}", "", _text(definition.get("description", "")), ""]
        lines += _table(definition, definitions)
        todo += [ref for ref in _refs(definition, definitions) if ref not in shown]
    example = _example(kind)
    if example:
        lines += ["", "## Example", "", "```yaml", example.rstrip(), "```"]
    return "\n".join(lines) + "\n"


def _table(schema: dict[str, Any], definitions: dict[str, Any]) -> list[str]:
    required = set(schema.get("required", []))
    rows = [
        "| field | type | required / default | bounds | description |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, field in schema.get("properties", {}).items():
        need = "required" if name in required else f"default: `{_default(field)}`"
        rows.append(
            f"| `{name}` | {_cell(_type(field, definitions))} | {_cell(need)} | "
            f"{_cell(_bounds(field))} | {_cell(_text(field.get('description', '')))} |"
        )
    return rows


def _refs(schema: Any, definitions: dict[str, Any]) -> list[str]:
    found: list[str] = []
    if isinstance(schema, dict):
        ref = schema.get("$ref", "")
        if ref.startswith("#/$defs/"):
            found.append(ref.removeprefix("#/$defs/"))
        for key, value in schema.items():
            if key != "$defs":
                found += _refs(value, definitions)
    elif isinstance(schema, list):
        for value in schema:
            found += _refs(value, definitions)
    return list(dict.fromkeys(found))


def _type(field: dict[str, Any], definitions: dict[str, Any]) -> str:
    if "$ref" in field:
        name = field["$ref"].removeprefix("#/$defs/")
        target = definitions.get(name, {})
        if "properties" in target:
            return f"[{name}](#{name.lower()})"
        return _type(target, definitions)
    if "const" in field:
        return f"`{json.dumps(field['const'])}`"
    if "enum" in field:
        if len(field["enum"]) > 12:  # a country, a language: the list is in the schema
            return f"code ({field.get('description') or 'one of ' + str(len(field['enum']))})"
        return "one of " + ", ".join(f"`{value}`" for value in field["enum"])
    for key in ("anyOf", "oneOf"):
        if key in field:
            options = [_type(option, definitions) for option in field[key]]
            return " or ".join(dict.fromkeys(options))
    kind = field.get("type", "")
    if kind == "array":
        items = field.get("prefixItems") or [field.get("items", {})]
        return "list of " + " or ".join(_type(item, definitions) for item in items)
    if kind == "object" and "additionalProperties" in field:
        values = field["additionalProperties"]
        return "mapping of name to " + (
            _type(values, definitions) if isinstance(values, dict) else "value"
        )
    if field.get("format"):
        return f"{kind} ({field['format']})"
    return str(kind or "value")


def _bounds(field: dict[str, Any]) -> str:
    parts = []
    for key, shown in (
        ("minimum", "≥ {}"),
        ("exclusiveMinimum", "> {}"),
        ("maximum", "≤ {}"),
        ("exclusiveMaximum", "< {}"),
        ("minLength", "at least {} characters"),
        ("maxLength", "at most {} characters"),
        ("minItems", "at least {} items"),
        ("maxItems", "at most {} items"),
        ("minProperties", "at least {} entries"),
    ):
        if key in field:
            parts.append(shown.format(field[key]))
    if "pattern" in field:
        parts.append(f"matches `{field['pattern']}`")
    for option in field.get("anyOf", []):
        inner = _bounds(option)
        if inner:
            parts.append(inner)
    return "; ".join(parts)


def _default(field: dict[str, Any]) -> str:
    value = field.get("default")
    return "none" if value is None else json.dumps(value, ensure_ascii=False)


def _text(text: str) -> str:
    return " ".join(text.split())


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _example(kind: str) -> str:
    """The first document of `kind` in the example estate (or the fixtures' base), as written,
    comments and all."""
    for root in EXAMPLES:
        for path in sorted(root.rglob("*.yaml")):
            text = path.read_text(encoding="utf-8")
            for document in re.split(r"^---\s*$", text, flags=re.M):
                if re.search(rf"^kind: {re.escape(kind)}\s*$", document, flags=re.M):
                    body = "\n".join(
                        line
                        for line in document.strip("\n").splitlines()
                        if not line.startswith("# yaml-language-server")
                    )
                    origin = path.relative_to(ROOT).as_posix()
                    return f"# from {origin}\n{body}\n"
    return ""


def commands_page(command: Any) -> str:
    lines = [
        "# Commands",
        "",
        "Made from the command line itself (`ccmsctl COMMAND --help` says the same).",
        "",
    ]
    lines += _command(command, "ccmsctl")
    return "\n".join(lines) + "\n"


def _command(command: Any, path: str) -> list[str]:
    """A command's section, and its subcommands' (typer's own click: duck-typed)."""
    lines: list[str] = []
    if path != "ccmsctl":
        context = command.context_class(command, info_name=path)
        usage = " ".join(command.collect_usage_pieces(context))
        lines += [f"## {path}", "", "```text", f"{path} {usage}".rstrip(), "```", ""]
        lines += [_text(command.help or ""), ""]
        options = [p for p in command.params if not getattr(p, "hidden", False)]
        if options:
            lines += ["| argument or option | help | default |", "| --- | --- | --- |"]
            for param in options:
                names = ", ".join(getattr(param, "opts", [])) or param.name or ""
                if param.param_type_name == "argument":
                    names = (param.metavar or param.name or "").upper()
                helped = _text(getattr(param, "help", "") or "")
                default = param.default
                shown = (
                    "" if default in (None, False, (), "") or callable(default) else f"`{default}`"
                )
                lines.append(f"| `{html.escape(names)}` | {_cell(helped)} | {_cell(shown)} |")
            lines.append("")
    if hasattr(command, "commands"):
        for name in sorted(command.commands):
            sub = command.commands[name]
            if not getattr(sub, "hidden", False):
                lines += _command(sub, f"{path} {name}")
    return lines


def codes_index(folder: Path) -> str:
    rows = ["| code | what |", "| --- | --- |"]
    for page in sorted(folder.glob("[EW][0-9][0-9][0-9][0-9].md")):
        title = page.read_text(encoding="utf-8").splitlines()[0].removeprefix("# ")
        code, _, what = title.partition(": ")
        rows.append(f"| [{code}]({page.name}) | {_cell(what)} |")
    return (
        "# Finding codes\n\nWhat `ccmsctl validate` reports of an estate: `E` codes are "
        "errors, `W` codes warnings. Each page says what triggers it and how to fix it; the "
        "errors that stop a command while it runs are in [Run errors](../errors.md).\n\n"
        + "\n".join(rows)
        + "\n"
    )
