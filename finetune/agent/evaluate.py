"""Held-out evaluation of the agent's model: tool choice, arguments, JSON validity, grounding.

The same examples are scored for the base model (prompted with the same tool list) and for the
LoRA-adapted one. Replies are checked by the agent's own grounding check, before the guard (what
the model wrote) and after it (what the shopper would see).

Calls are scored twice: as the model wrote them (the headline "raw" figures, what the adapter
learned) and after `assistant.safety.argument_guard.guard_call`, the rules the agent applies to every call
before it runs (``guarded``: what the shopper's turn actually executes).
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from assistant.runtime.call_drafts import CallDrafts
from assistant.runtime.generation import ModelCallError, TextGenerator, TransformersGenerator
from assistant.runtime.prompts import shopper_text
from assistant.runtime.tool_calls import looks_like_call, parse_tool_call
from assistant.runtime.tool_grammar import ToolGrammar, schema_specs, tool_step_tokens
from assistant.tools.schemas import MODEL_TOOL_ARGS, TOOL_ARGS
from assistant.turn_protocol import reply_problems
from finetune.agent.dialogues import Example, clean_args


def _norm(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        return " ".join(value.lower().split())
    if isinstance(value, list | tuple):
        return tuple(sorted(str(_norm(v)) for v in value))
    return str(value)


def arg_pairs(args: dict[str, Any]) -> set[tuple[str, Any]]:
    return {(k, _norm(v)) for k, v in clean_args(args).items()}


def arg_f1(pred: dict[str, Any], gold: dict[str, Any]) -> float:
    p, g = arg_pairs(pred), arg_pairs(gold)
    if not p and not g:
        return 1.0
    hit = len(p & g)
    if hit == 0:
        return 0.0
    precision, recall = hit / len(p), hit / len(g)
    return 2 * precision * recall / (precision + recall)


def valid_call(call: dict[str, Any] | None) -> bool:
    if call is None or call["name"] not in TOOL_ARGS:
        return False
    try:
        TOOL_ARGS[call["name"]](**call["args"])
    except Exception:  # noqa: BLE001 - any schema failure means "not a valid call"
        return False
    return True


def generate_batched(loaded, chats: list[list[dict[str, str]]], max_new_tokens: int, batch_size: int = 16,
                     progress=None) -> tuple[list[str], dict[str, float]]:
    """Greedy, left-padded batched generation (sorted by length) -> texts in input order."""
    import torch

    tok = loaded.tokenizer
    tok.padding_side = "left"
    prompts = [tok.apply_chat_template(c, add_generation_prompt=True, tokenize=False) for c in chats]
    order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))
    outputs: list[str] = [""] * len(prompts)
    new_tokens, started = 0, time.perf_counter()
    for start in range(0, len(order), batch_size):
        idx = order[start:start + batch_size]
        enc = tok([prompts[i] for i in idx], return_tensors="pt", padding=True, add_special_tokens=False)
        enc = {k: v.to(loaded.device) for k, v in enc.items()}
        with torch.inference_mode():
            out = loaded.model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False,
                                        pad_token_id=tok.pad_token_id or tok.eos_token_id,
                                        eos_token_id=tok.eos_token_id)
        for row, i in enumerate(idx):
            gen = out[row, enc["input_ids"].shape[1]:]
            new_tokens += int((gen != (tok.pad_token_id or tok.eos_token_id)).sum())
            outputs[i] = tok.decode(gen, skip_special_tokens=True).strip()
        if progress:
            progress(min(start + batch_size, len(order)), len(order))
    seconds = time.perf_counter() - started
    return outputs, {"seconds": seconds, "new_tokens": new_tokens, "tokens_per_s": new_tokens / max(seconds, 1e-9)}


def generate(generator: TextGenerator, chats: list[list[dict[str, str]]], max_new_tokens: int,
             batch_size: int = 16, progress=None, grammar: str | None = None,
             drafts: CallDrafts | None = None) -> tuple[list[str], dict[str, float]]:
    """Greedy outputs in input order on any runtime: batched for transformers, one by one (under
    ``grammar`` and with ``drafts`` where the runtime supports them, as the agent's tool step runs) for llama.cpp."""
    if isinstance(generator, TransformersGenerator):
        return generate_batched(generator.loaded, chats, max_new_tokens, batch_size, progress)
    outputs, new_tokens, started = [], 0, time.perf_counter()
    for i, chat in enumerate(chats):
        try:
            constrained = grammar if generator.supports_grammar else None
            text, n = generator.complete(chat, max_new_tokens, 120.0, constrained, drafts if constrained else None)
        except ModelCallError:  # e.g. a prompt past the context: scored as an empty (wrong) answer
            text, n = "", 0
        outputs.append(text)
        new_tokens += n
        if progress:
            progress(i + 1, len(chats))
    seconds = time.perf_counter() - started
    return outputs, {"seconds": seconds, "new_tokens": new_tokens, "tokens_per_s": new_tokens / max(seconds, 1e-9)}


Guard = Callable[[str, dict[str, Any], str], tuple[str, dict[str, Any]]]


def score_calls(calls: list[tuple[Example, str]], guard: Guard | None = None) -> dict[str, Any]:
    """Tool accuracy, argument F1/exact match, JSON validity and calls to tools that do not exist;
    ``guard`` rewrites each parsed call first."""
    tool_hits, f1s, exact, valid, gold_calls, attempts, attempts_valid, unknown = 0, [], 0, 0, 0, 0, 0, 0
    by_scenario: dict[str, list[int]] = defaultdict(list)
    errors = []
    per_item: list[dict[str, float | None]] = []  # one per example, in order: for paired comparisons
    for e, out in calls:
        pred = parse_tool_call(out) if looks_like_call(out) else None
        if looks_like_call(out):
            attempts += 1
            attempts_valid += valid_call(pred)
        if pred is not None and guard is not None:
            name, args = guard(pred["name"], pred["args"], shopper_text_of(e))
            pred = {**pred, "name": name, "args": args}
        pred_name = pred["name"] if pred else "text"
        unknown += pred is not None and pred_name not in TOOL_ARGS
        gold_name = e.gold.name if e.gold.kind == "call" else "text"
        hit = pred_name == gold_name
        if gold_name == "text" and hit:
            hit = out.strip() == e.target.strip() or not looks_like_call(out)
        tool_hits += hit
        by_scenario[e.scenario].append(int(hit))
        shown = out[:200] if guard is None or pred is None else json.dumps({"name": pred["name"],
                                                                               "arguments": pred["args"]})[:200]
        if e.gold.kind == "call":
            gold_calls += 1
            valid += valid_call(pred)
            f = arg_f1(pred["args"], e.gold.args) if hit and pred else 0.0
            f1s.append(f)
            per_item.append({"tool": float(hit), "arg_f1": f})
            exact += f == 1.0
            if f < 1.0 and len(errors) < 40:
                errors.append({"input": e.chat[-1]["content"][-160:], "gold": e.target, "output": shown})
        else:
            per_item.append({"tool": float(hit), "arg_f1": None})
            if not hit and len(errors) < 40:
                errors.append({"input": e.chat[-1]["content"][-160:], "gold": e.target, "output": shown})
    return {
        "tool_accuracy": tool_hits / max(1, len(calls)),
        "arg_f1": sum(f1s) / max(1, len(f1s)),
        "arg_exact_match": exact / max(1, gold_calls),
        "json_valid": valid / max(1, gold_calls),
        "call_json_valid": attempts_valid / attempts if attempts else None,  # of the outputs that started a call
        "unknown_tool_calls": unknown,  # parsed calls naming no tool in TOOL_ARGS
        "by_scenario": {k: round(sum(v) / len(v), 4) for k, v in sorted(by_scenario.items())},
        "errors": errors,
        "per_item": per_item,
    }


def shopper_text_of(example: Example) -> str:
    from langchain_core.messages import HumanMessage

    return example.shopper or shopper_text(HumanMessage(example.chat[-1]["content"]))


def score(examples: list[Example], outputs: list[str], brands: list[str], guard: Guard | None = None) -> dict[str, Any]:
    calls = [(e, o) for e, o in zip(examples, outputs, strict=True) if e.kind == "call"]
    replies = [(e, o) for e, o in zip(examples, outputs, strict=True) if e.kind == "reply"]
    call_scores = score_calls(calls)
    raw_ungrounded, shown_ungrounded, replaced = 0, 0, 0
    for e, out in replies:
        missing = reply_problems(out, e.sources, e.shopper, brands)  # the agent's own check
        raw_ungrounded += len(missing)
        if missing or not out:
            replaced += 1
            shown_ungrounded += len(reply_problems(e.target, e.sources, e.shopper, brands))  # the template reply
    result = {k: v for k, v in call_scores.items() if k not in ("by_scenario", "errors", "per_item")}
    result.update({
        "ungrounded_facts": shown_ungrounded,
        "ungrounded_facts_raw": raw_ungrounded,
        "replies_replaced_by_template": replaced,
        "n_calls": len(calls),
        "n_replies": len(replies),
        "by_scenario": call_scores["by_scenario"],
        "errors": call_scores["errors"],
        "per_item": call_scores["per_item"],
    })
    if guard is not None:
        guarded = score_calls(calls, guard)
        result["guarded"] = {k: v for k, v in guarded.items() if k != "by_scenario"}
    return result


def evaluate(generator: TextGenerator, examples: list[Example], brands: list[str], batch_size: int = 16,
             progress=None, full_prompt: bool = False, guard: Guard | None = None,
             grammar: bool = True) -> dict[str, Any]:
    """``full_prompt``: the prompted base model reads full tool signatures; the adapter the compact list.
    ``grammar``: tool steps decode under the tools' grammar where the runtime supports it (as served)."""
    calls = [e for e in examples if e.kind == "call"]
    replies = [e for e in examples if e.kind == "reply"]
    chats = [e.chat_full if full_prompt and e.chat_full else e.chat for e in calls]
    # as served (``build_chat_model``): the prompted base model's grammar admits calls only
    gbnf = (ToolGrammar(tuned=not full_prompt).build(schema_specs(MODEL_TOOL_ARGS))
            if grammar and generator.supports_grammar else None)
    budget = tool_step_tokens(64, gbnf is not None, tuned=not full_prompt)  # as ``LocalChatModel`` budgets it
    # as served: the tuned model's tool step checks the call's fixed parts several tokens a pass (same output)
    drafts = CallDrafts.from_specs(schema_specs(MODEL_TOOL_ARGS)) if gbnf and not full_prompt else None
    call_out, call_speed = generate(generator, chats, budget, batch_size, progress, gbnf, drafts)
    reply_out, reply_speed = generate(generator, [e.chat for e in replies], 80, batch_size, progress)
    result = score(calls + replies, call_out + reply_out, brands, guard)
    result["generation"] = {"calls": call_speed, "replies": reply_speed}
    result["runtime"] = {"name": generator.name, "grammar": gbnf is not None}
    return result
