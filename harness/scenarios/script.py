"""The dialogue script format: one YAML file per scenario, validated with line-accurate errors.

Teams who change the catalog, prompts or models write these; a typo in a script must point at the
file, line and field, not surface as a failing turn. ``load_script`` parses with PyYAML's node
tree kept beside the data, so a pydantic error path (``turns.2.expect.tools.0.nme``) maps back to
the line it came from.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assistant.tools.schemas import TOOL_ARGS
from retrieval.filters import SearchFilters
from retrieval.product_types import LEXICON


class ScriptError(ValueError):
    """A malformed script: where it is and what is wrong."""

    def __init__(self, path: Path, line: int | None, field: str, message: str) -> None:
        self.path, self.line, self.field, self.message = path, line, field, message
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {field + ': ' if field else ''}{message}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ToolExpectation(_Strict):
    name: str
    args: dict[str, Any] = Field(default_factory=dict, description="A subset the call's arguments must contain.")

    @field_validator("name")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in TOOL_ARGS:
            raise ValueError(f"unknown tool {value!r}; known: {', '.join(sorted(TOOL_ARGS))}")
        return value

    @model_validator(mode="after")
    def _known_args(self) -> ToolExpectation:
        known = TOOL_ARGS[self.name].model_fields
        unknown = sorted(set(self.args) - set(known))
        if unknown:
            raise ValueError(f"{self.name} has no argument {', '.join(map(repr, unknown))}; "
                             f"known: {', '.join(sorted(known))}")
        return self


class ProductsExpectation(SearchFilters):
    """Every product shown must satisfy these (the search filters' fields; an unknown key is an error)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class CartLineExpectation(_Strict):
    product_id: str
    quantity: int = Field(default=1, ge=1)


class CountRange(_Strict):
    min: int = Field(default=0, ge=0)
    max: int | None = Field(default=None, ge=0)


class TurnExpectation(_Strict):
    tools: list[ToolExpectation] | None = Field(
        default=None, description="Calls that must appear, in this order (other calls may come between).")
    no_tools: bool = Field(default=False, description="The turn must be answered without any tool.")
    tools_not_called: list[str] = Field(default_factory=list)
    products: ProductsExpectation | None = Field(default=None, description="Every product shown must satisfy these.")
    count: CountRange | None = None
    must_show: list[str] = Field(default_factory=list)
    must_not_show: list[str] = Field(default_factory=list)
    reply_contains: list[str] = Field(default_factory=list, description="Case-insensitive; all must appear.")
    reply_contains_any: list[str] = Field(default_factory=list)
    reply_excludes: list[str] = Field(default_factory=list)
    cart: list[CartLineExpectation] | None = Field(default=None, description="The exact cart after the turn.")
    cart_contains: list[str] = Field(default_factory=list)
    cart_count: int | None = Field(default=None, ge=0, description="Number of distinct lines in the cart.")
    cart_has_shown: int | None = Field(default=None, ge=1, description="The product shown at this position "
                                                                        "in the last search is in the cart.")
    cart_quantity: int | None = Field(default=None, ge=0, description="Total units in the cart.")
    order_shown: str | None = Field(default=None, description="This order id was found and shown.")
    no_order_shown: bool = Field(default=False, description="No order details were revealed.")
    grounded: bool = Field(default=True, description="No ungrounded fact in the reply the shopper sees.")
    facts_contain: list[str] = Field(default_factory=list, description="Copilot: the facts panel names these.")
    titles_match: str | None = Field(default=None, description="A regular expression every shown title matches "
                                                                "(case-insensitive).")
    product_type: str | None = Field(default=None, description="Every shown product is of this type "
                                                                "(a type of assistant/dialogue/product_types.py).")
    ordered_by: Literal["price_asc", "price_desc", "rating_desc"] | None = Field(
        default=None, description="The shown products are in this order.")
    max_price_below_previous: bool = Field(default=False, description="The dearest product shown costs less than "
                                                                      "the dearest one of the previous turn.")
    cheaper_than_shown: int | None = Field(default=None, ge=1, description="Every product shown costs less than the "
                                           "one at this position of the previous turn, which is not shown again.")

    @field_validator("titles_match")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from None
        return value

    @field_validator("product_type")
    @classmethod
    def _type(cls, value: str | None) -> str | None:
        if value is not None and value not in LEXICON:
            raise ValueError(f"unknown product type {value!r}; known: {', '.join(sorted(LEXICON))}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> TurnExpectation:
        if self.no_tools and self.tools:
            raise ValueError("no_tools and tools cannot both be set")
        return self


class Turn(_Strict):
    user: str | list[str] | None = Field(default=None, description="The message, or several phrasings of it: "
                                                                    "repeat i sends phrasing i (cycling).")
    user_base64: str | None = Field(default=None, description="Raw bytes of the message (binary input).")
    repeat_user: int = Field(default=1, ge=1, le=100_000, description="Send ``user`` this many times over.")
    role: Literal["shopper", "copilot"] = "shopper"
    expect: TurnExpectation = Field(default_factory=TurnExpectation)

    @model_validator(mode="after")
    def _one_message(self) -> Turn:
        if (self.user is None) == (self.user_base64 is None):
            raise ValueError("give exactly one of user or user_base64")
        if isinstance(self.user, list) and (not self.user or not all(p.strip() for p in self.user)):
            raise ValueError("a list of phrasings needs at least one non-empty phrasing")
        if self.user_base64 is not None:
            try:
                base64.b64decode(self.user_base64, validate=True)
            except ValueError as exc:
                raise ValueError(f"user_base64 is not valid base64: {exc}") from None
        return self

    def message(self, repeat: int = 0) -> str | bytes:
        """The message of run ``repeat`` (0-based): phrasings cycle, so pass^k measures wording, not luck."""
        if self.user_base64 is not None:
            return base64.b64decode(self.user_base64)
        text = self.user[repeat % len(self.user)] if isinstance(self.user, list) else (self.user or "")
        return text * self.repeat_user

    @property
    def phrasings(self) -> int:
        return len(self.user) if isinstance(self.user, list) else 1


class Scenario(_Strict):
    name: str = Field(min_length=1)
    description: str = ""
    catalog: str = Field(default="demo", description="demo, or a catalog file/folder relative to the script.")
    tags: list[str] = Field(default_factory=list)
    known_failure: str | None = Field(
        default=None, description="Why this scenario is expected to fail today (a tracked model gap). It is "
                                  "still run and reported; it does not fail the suite, and passing is reported.")
    turns: list[Turn] = Field(min_length=1)
    path: Path | None = Field(default=None, exclude=True)
    lines: list[int] = Field(default_factory=list, exclude=True, description="Line of each turn in the file.")

    def catalog_source(self) -> str:
        if self.catalog == "demo" or self.path is None:
            return self.catalog
        return str((self.path.parent / self.catalog).resolve())


def _node_at(node: yaml.Node, loc: tuple[Any, ...], key_at_end: bool = True) -> yaml.Node:
    """The deepest YAML node along a pydantic error path (the key node when the key is the problem)."""
    for i, part in enumerate(loc):
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if match is None:
                return node
            key, value = match
            node = key if key_at_end and i == len(loc) - 1 else value
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            return node
    return node


def load_script(path: str | Path) -> Scenario:
    """Parse and validate one scenario file; raise ``ScriptError`` with file, line and field."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScriptError(path, None, "", f"cannot read the script: {exc}") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScriptError(path, mark.line + 1 if mark else None, "", f"not valid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise ScriptError(path, 1, "", "a scenario is a mapping with at least name and turns")
    try:
        scenario = Scenario(**data)
    except ValidationError as exc:
        # a misspelt key shows up twice (unknown key + missing field): name the unknown key
        err = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")[0]
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        line = _node_at(node, loc).start_mark.line + 1 if node is not None else None
        field = ".".join(str(p) for p in loc) or "scenario"
        more = f" (and {len(exc.errors()) - 1} more problem(s))" if len(exc.errors()) > 1 else ""
        msg = f"unknown field ({err['msg']})" if err["type"] == "extra_forbidden" else err["msg"]
        raise ScriptError(path, line, field, msg + more) from None
    turn_nodes = _node_at(node, ("turns",), key_at_end=False)
    lines = [n.start_mark.line + 1 for n in turn_nodes.value] if isinstance(turn_nodes, yaml.SequenceNode) else []
    return scenario.model_copy(update={"path": path, "lines": lines})


def discover(paths: list[str | Path]) -> list[Path]:
    """Script files under the given files/folders, sorted; fixtures folders are skipped."""
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found += sorted(f for f in p.rglob("*.y*ml") if "fixtures" not in f.parts)
        elif p.exists():
            found.append(p)
        else:
            raise ScriptError(p, None, "", "no such file or folder")
    return found
