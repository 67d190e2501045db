"""Held-out evaluation of the agent's model: tool choice, arguments, JSON validity, grounding.

The same examples are scored for the base model (prompted with the same tool list) and for the
LoRA-adapted one. Replies are checked by the agent's own grounding check, before the guard (what
the model wrote) and after it (what the shopper would see).
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

from assistant.grounding import ungrounded_facts
from assistant.tool_calls import looks_like_call, parse_tool_call
from assistant.tools.schemas import TOOL_ARGS
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


def generate(loaded, chats: list[list[dict[str, str]]], max_new_tokens: int, batch_size: int = 16,
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


def score(examples: list[Example], outputs: list[str], brands: list[str]) -> dict[str, Any]:
    calls = [(e, o) for e, o in zip(examples, outputs, strict=True) if e.kind == "call"]
    replies = [(e, o) for e, o in zip(examples, outputs, strict=True) if e.kind == "reply"]
    tool_hits, f1s, exact, valid, gold_calls = 0, [], 0, 0, 0
    by_scenario: dict[str, list[int]] = defaultdict(list)
    errors = []
    for e, out in calls:
        pred = parse_tool_call(out) if looks_like_call(out) else None
        pred_name = pred["name"] if pred else "text"
        gold_name = e.gold.name if e.gold.kind == "call" else "text"
        hit = pred_name == gold_name
        if gold_name == "text" and hit:
            hit = out.strip() == e.target.strip() or not looks_like_call(out)
        tool_hits += hit
        by_scenario[e.scenario].append(int(hit))
        if e.gold.kind == "call":
            gold_calls += 1
            valid += valid_call(pred)
            f = arg_f1(pred["args"], e.gold.args) if hit and pred else 0.0
            f1s.append(f)
            exact += f == 1.0
            if f < 1.0 and len(errors) < 25:
                errors.append({"input": e.chat[-1]["content"][-160:], "gold": e.target, "output": out[:200]})
        elif not hit and len(errors) < 25:
            errors.append({"input": e.chat[-1]["content"][-160:], "gold": e.target, "output": out[:200]})
    raw_ungrounded, shown_ungrounded, replaced = 0, 0, 0
    for e, out in replies:
        missing = ungrounded_facts(out, e.sources, brands)
        raw_ungrounded += len(missing)
        if missing or not out:
            replaced += 1
            shown_ungrounded += len(ungrounded_facts(e.target, e.sources, brands))  # the template reply
    return {
        "tool_accuracy": tool_hits / max(1, len(calls)),
        "arg_f1": sum(f1s) / max(1, len(f1s)),
        "arg_exact_match": exact / max(1, gold_calls),
        "json_valid": valid / max(1, gold_calls),
        "ungrounded_facts": shown_ungrounded,
        "ungrounded_facts_raw": raw_ungrounded,
        "replies_replaced_by_template": replaced,
        "n_calls": len(calls),
        "n_replies": len(replies),
        "by_scenario": {k: round(sum(v) / len(v), 4) for k, v in sorted(by_scenario.items())},
        "errors": errors,
    }


def evaluate(loaded, examples: list[Example], brands: list[str], batch_size: int = 16,
             progress=None, full_prompt: bool = False) -> dict[str, Any]:
    """``full_prompt``: the prompted base model reads full tool signatures; the adapter the compact list."""
    calls = [e for e in examples if e.kind == "call"]
    replies = [e for e in examples if e.kind == "reply"]
    chats = [e.chat_full if full_prompt and e.chat_full else e.chat for e in calls]
    call_out, call_speed = generate(loaded, chats, 64, batch_size, progress)
    reply_out, reply_speed = generate(loaded, [e.chat for e in replies], 80, batch_size, progress)
    result = score(calls + replies, call_out + reply_out, brands)
    result["generation"] = {"calls": call_speed, "replies": reply_speed}
    return result
