"""The compiled runtime (llama.cpp): exported adapter vs the transformers path, grammar, pool, errors.

Real models throughout: the bundled SmolLM2 GGUF, the shipped LoRA adapter, llama-cpp-python.
"""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

pytest.importorskip("llama_cpp")

from assistant.runtime.generation import ModelCallError  # noqa: E402
from assistant.runtime.gguf_export import ExportError, check_gguf, export_lora_gguf  # noqa: E402
from assistant.runtime.prompts import COMPACT_SYSTEM  # noqa: E402
from assistant.runtime.tool_calls import render_call  # noqa: E402
from assistant.runtime.tool_grammar import BASE_TOOL_STEP_TOKENS, ToolGrammar, schema_specs, tool_grammar  # noqa: E402
from assistant.tools.schemas import MODEL_TOOL_ARGS, MODEL_TOOLS, TOOL_ARGS  # noqa: E402

TOOLS = ", ".join(MODEL_TOOLS) + "."  # the compact prompt an in-process model reads
CHATS = [
    [{"role": "system", "content": COMPACT_SYSTEM + TOOLS},
     {"role": "user", "content": f"state: {state}\nshopper: {text}"}]
    for state, text in [
        ("shown: 0", "quiet bluetooth speaker under $50, black"),
        ("search: bluetooth speaker; shown: 5", "does the second one have a battery?"),
        ("shown: 0", "hello there!"),
        ("search: wireless headphones; filters: max_price=200.0; shown: 5", "compare the first two"),
        ("shown: 0", "where is my order A1001? my email is maria@example.com"),
        ("shown: 0", "what is your return policy?"),
    ]
]


@pytest.fixture(scope="module")
def shipped_adapter() -> Path:
    from assistant.runtime.loader import default_adapter_dir

    return default_adapter_dir()


@pytest.fixture(scope="module")
def hf_generator(settings):
    from assistant.runtime.loader import load_generator

    return load_generator(settings.model_copy(update={"llm_runtime": "transformers"}), adapter=True)


def _generator(settings, adapter: bool | None = True, **update):
    from assistant.runtime.loader import load_generator

    return load_generator(settings.model_copy(update={"llm_runtime": "llamacpp", "llm_workers": 1, **update}),
                          adapter=adapter)


def _hf_logits(hf_generator, chat) -> np.ndarray:
    import torch

    loaded = hf_generator.loaded
    ids = loaded.tokenizer.apply_chat_template(chat, add_generation_prompt=True, return_tensors="pt", return_dict=True)
    with torch.inference_mode():
        return loaded.model(**ids).logits[0, -1].float().numpy()


def _distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).mean())


def test_shipped_lora_gguf_is_exported_from_the_shipped_weights(shipped_adapter):
    check_gguf(shipped_adapter / "adapter.gguf", shipped_adapter)  # `aisle export agent` was run on these weights


@pytest.mark.parametrize("merge", [False, True], ids=["runtime-lora", "merged-q8"])
def test_exported_model_matches_the_transformers_path(settings, hf_generator, merge):
    """Next-token logits of the exported model track transformers' (LoRA merged in fp32), and far
    more closely than the bare base model does: the adapter really is applied, permutations included."""
    lora = _generator(settings, llm_merge_adapter=merge)
    from assistant.runtime.loader import load_generator

    bare = load_generator(settings.model_copy(update={"llm_runtime": "llamacpp", "llm_workers": 1}), adapter=None)
    for chat in CHATS:
        ref, ours, base = _hf_logits(hf_generator, chat), lora.next_token_logits(chat), bare.next_token_logits(chat)
        assert int(ours.argmax()) == int(ref.argmax())
        assert np.corrcoef(ours, ref)[0, 1] > 0.995
        assert _distance(ours, ref) < 0.5 * _distance(base, ref)


def test_greedy_outputs_match_the_transformers_path(settings, hf_generator):
    """The default runtime (merged Q8_0) writes what transformers writes on most prompts (greedy)."""
    ours = _generator(settings)
    same = sum(ours.complete(c, 48, 60)[0] == hf_generator.complete(c, 48, 60)[0] for c in CHATS)
    assert same >= len(CHATS) - 1


def test_prompt_lookup_copies_what_followed_the_latest_earlier_ngram():
    from assistant.runtime.continuous_batching import prompt_lookup

    assert prompt_lookup([5, 1, 2, 3, 7, 8, 9, 4, 1, 2, 3], 3) == [7, 8, 9]  # the 3-gram [1, 2, 3]
    assert prompt_lookup([1, 2, 9, 1, 2, 8, 1, 2], 4) == [8, 1, 2]  # no earlier [8, 1, 2]; the latest [1, 2]
    assert prompt_lookup([1, 2, 3, 4], 4) == []  # nothing repeats
    assert prompt_lookup([1, 2, 1, 2], 0) == []


@given(st.lists(st.integers(0, 4), max_size=40), st.integers(0, 6))
def test_prompt_lookup_drafts_a_slice_of_the_context_after_its_last_tokens(context, limit):
    from assistant.runtime.continuous_batching import prompt_lookup

    draft = prompt_lookup(context, limit)
    assert len(draft) <= limit
    if draft:  # some earlier place ends with the context's last 2 tokens and goes on with the draft
        assert any(context[i - 2:i] == context[-2:] and context[i:i + len(draft)] == draft
                   for i in range(2, len(context)))


CALLS = [render_call("search_products", {"query": "laptop", "max_price": 800.0, "brands": ["HP", "Dell"]}),
         render_call("get_product", {"position": 2}), render_call("view_cart", {}),
         render_call("answer_product_question", {"position": 1, "question": 'does it have "hdmi", {ports}?'}),
         render_call("order_status", {"order_id": "A1001", "email": "maria@example.com"})]


@pytest.mark.parametrize("call", CALLS)
def test_call_drafts_only_ever_draft_what_the_call_goes_on_with(call):
    """Cut anywhere, a rendered call's draft is the text that follows the cut; it drafts the opening, the rest of
    a tool name and of an argument name once they are singled out, and nothing inside a string value."""
    from assistant.runtime.call_drafts import CallDrafts

    drafts = CallDrafts.from_specs(schema_specs(MODEL_TOOL_ARGS))
    drafted = 0
    for cut in range(len(call) + 1):
        more = drafts.continuation(call[:cut])
        assert call[cut:].startswith(more), (call[:cut], more)
        drafted += bool(more)
    assert drafts.continuation("{") == '"name": "'
    assert drafts.continuation('{"name": "search_p') == 'roducts", "arguments": {"'
    assert drafts.continuation('{"name": "s') == ""  # search_products, similar_products, store_policy ...
    assert drafts.continuation("Hello! How can I help?") == ""  # plain text
    assert drafts.continuation('{"name": "get_product", "arguments": {"position": 2}') == "}"
    assert drafted >= 5


@given(st.text(alphabet='{}[]",: abcdeimnopqrstu_\\', max_size=60))
def test_call_drafts_never_fail_on_any_text(text):
    from assistant.runtime.call_drafts import CallDrafts

    assert isinstance(CallDrafts.from_specs(schema_specs(MODEL_TOOL_ARGS)).continuation(text), str)


def test_call_drafts_change_no_output_and_save_passes(settings):
    """The tuned model's tool step with call drafts: the same text as without, in fewer forward passes, with
    most drafted tokens confirmed; plain text (the greeting) drafts nothing."""
    from assistant.runtime.call_drafts import CallDrafts
    from assistant.tools.shop_tools import tool_definitions

    drafts = CallDrafts.from_specs(schema_specs(MODEL_TOOL_ARGS))
    generator = _generator(settings)
    grammar = tool_grammar(tool_definitions(names=MODEL_TOOLS))
    scheduler = generator.scheduler
    passes = {True: 0, False: 0}
    drafted, confirmed = scheduler.drafted, scheduler.draft_accepted
    for chat in CHATS:
        outputs = {}
        for use in (False, True):
            before = scheduler.steps
            outputs[use] = generator.complete(chat, 48, 60, grammar, drafts if use else None)
            passes[use] += scheduler.steps - before
        assert outputs[True] == outputs[False]
    assert passes[True] < 0.75 * passes[False]
    assert scheduler.draft_accepted - confirmed > 0.8 * (scheduler.drafted - drafted)


def test_the_tuned_tool_step_carries_call_drafts_and_the_base_models_does_not(settings):
    from assistant.runtime.chat_model import LocalChatModel
    from assistant.tools.shop_tools import tool_definitions

    tools = tool_definitions(names=MODEL_TOOLS)
    generator = _generator(settings)
    assert LocalChatModel(generator, compact_prompt=True).bind_tools(tools).tool_drafts is not None
    assert LocalChatModel(generator, tuned_grammar=False).bind_tools(tools).tool_drafts is None
    assert LocalChatModel(generator, call_drafts=False).bind_tools(tools).tool_drafts is None


def test_prompt_lookup_drafting_changes_no_output(settings):
    """Drafted tokens only ever confirm the greedy choice: the same text with and without drafting, with the
    tool grammar and without it, and on the tool step most drafted tokens are confirmed."""
    from assistant.tools.shop_tools import tool_definitions

    grammar = tool_grammar(tool_definitions(names=MODEL_TOOLS))
    plain, drafting = _generator(settings, llm_draft_tokens=0), _generator(settings, llm_draft_tokens=8)
    steps, accepted = drafting.scheduler.steps, drafting.scheduler.draft_accepted
    plain_steps, plain_drafted = plain.scheduler.steps, plain.scheduler.drafted  # the default runtime: shared
    for chat in CHATS:
        for g in (grammar, None):
            assert drafting.complete(chat, 48, 60, g) == plain.complete(chat, 48, 60, g)
    assert plain.scheduler.drafted == plain_drafted  # off by default (and no call drafts asked for here)
    assert drafting.scheduler.draft_accepted > accepted
    assert drafting.scheduler.steps - steps < plain.scheduler.steps - plain_steps  # passes saved
    drafting.close()  # its own scheduler (drafting is off by default): closing it harms no one


def test_corrupt_or_stale_export_names_the_rebuild_command(tmp_path, shipped_adapter, settings):
    folder = tmp_path / "adapter"
    shutil.copytree(shipped_adapter, folder)
    gguf_file = folder / "adapter.gguf"
    data = gguf_file.read_bytes()
    gguf_file.write_bytes(data[: len(data) // 3])
    with pytest.raises(ExportError, match="aisle export agent"):
        check_gguf(gguf_file, folder)
    gguf_file.write_bytes(data)
    check_gguf(gguf_file, folder)
    weights = folder / "adapter_model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-2] + b"\x00\x00")  # other weights, old export
    with pytest.raises(ExportError, match="other adapter weights"):
        check_gguf(gguf_file, folder)
    with pytest.raises(ExportError, match="aisle export agent"):
        _generator(settings, llm_adapter=str(folder), llm_merge_adapter=False)
    export_lora_gguf(folder, Path(settings.llm_path))  # the named command's code repairs it
    check_gguf(gguf_file, folder)


def test_export_refuses_what_it_cannot_convert(tmp_path, settings):
    with pytest.raises(ExportError, match="adapter_config.json"):
        export_lora_gguf(tmp_path, Path(settings.llm_path))


# --- grammar ------------------------------------------------------------------------------------

class GrammarProbe:
    """Feeds text through llama.cpp's grammar sampler token by token: is it inside the language?"""

    def __init__(self, model_path: str, grammar: str) -> None:
        from llama_cpp import Llama

        self.llm = Llama(model_path=model_path, vocab_only=True, verbose=False)
        self.grammar = grammar

    def accepts(self, text: str) -> bool:
        from assistant.runtime.llamacpp import GrammarMatcher

        matcher = GrammarMatcher(self.llm._model.vocab, self.llm.n_vocab(), self.grammar)
        try:
            for token in self.llm.tokenize(text.encode(), add_bos=False, special=False) + [self.llm.token_eos()]:
                if not matcher.allows(token):
                    return False
                matcher.accept(token)
            return True
        finally:
            matcher.close()


@pytest.fixture(scope="module")
def probe(settings):
    return GrammarProbe(settings.llm_path, ToolGrammar().build(schema_specs(MODEL_TOOL_ARGS)))


def test_grammar_from_bound_tools_equals_the_evaluation_grammar(demo_index, settings):
    from assistant.tools.shop_tools import tool_definitions

    tools = tool_definitions(names=MODEL_TOOLS)  # what an in-process model is offered
    assert tool_grammar(tools) == ToolGrammar().build(schema_specs(MODEL_TOOL_ARGS))


@pytest.mark.parametrize("text", [
    render_call("search_products", {"query": "bluetooth speaker", "max_price": 50, "colour": "black"}),
    render_call("answer_product_question", {"position": 2, "question": "battery life?"}),
    render_call("compare_products", {"positions": [1, 2]}),
    render_call("store_policy", {"topic": "returns"}),
    render_call("view_cart", {}),
    render_call("order_status", {"order_id": "A1001", "email": "maria@example.com"}),
    "Hi! I'm Aisle, your shopping assistant.",
])
def test_grammar_accepts_calls_as_the_adapter_writes_them(probe, text):
    assert probe.accepts(text)


@pytest.mark.parametrize("text", [
    '{"name": "get_price", "arguments": {}}',  # no such tool
    render_call("search_products", {"min_rating": 50}),  # impossible rating
    render_call("search_products", {"max_price": -5}),
    render_call("search_products", {"qurey": "x"}),  # unknown argument
    render_call("answer_product_question", {"position": 2}),  # required question missing
    render_call("answer_product_question", {"position": 0, "question": "x"}),
    render_call("store_policy", {"topic": "discounts"}),
    render_call("order_status", {"order_id": "A1001", "email": "ab"}),  # shorter than minLength 3
    '{"name": "view_cart", "arguments": {}} and more',  # nothing after the call
    '{"name": "view_cart"',  # unfinished
])
def test_grammar_rejects_invalid_calls(probe, text):
    assert not probe.accepts(text)


def test_a_repeated_argument_name_joins_lists_and_keeps_the_first_value():
    """The grammar lets a tuned model repeat a name; the parser reads what it meant, not JSON's last-wins."""
    from assistant.runtime.tool_calls import parse_tool_call

    call = parse_tool_call('{"name": "search_products", "arguments": {"query": "trail shoes", "brands": ["Hoka"], '
                           '"min_rating": 4, "brands": ["Brooks", "Hoka"], "min_rating": 5}}')
    assert call["args"] == {"query": "trail shoes", "brands": ["Hoka", "Brooks"], "min_rating": 4}
    assert parse_tool_call('{"name": "view_cart", "name": "x", "arguments": {}}')["name"] == "view_cart"


search_args = st.fixed_dictionaries({}, optional={
    "query": st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cn", "Co")), max_size=30),
    "min_price": st.integers(0, 5000), "max_price": st.floats(0, 9999, allow_nan=False).map(lambda x: round(x, 2)),
    "brands": st.lists(st.sampled_from(["Sony", "JBL", "Anker"]), max_size=2),
    "min_rating": st.sampled_from([0, 1, 3.5, 4, 4.5, 5]), "in_stock": st.booleans(), "refine": st.booleans(),
})


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(args=search_args)
def test_every_valid_search_call_is_in_the_grammar(probe, args):
    ordered = {k: args[k] for k in TOOL_ARGS["search_products"].model_fields if k in args}
    assert probe.accepts(render_call("search_products", ordered))


def test_base_model_without_adapter_writes_only_valid_calls_under_the_grammar(demo_index, settings):
    """The bare 135M model, prompted with full signatures, never writes a malformed call."""
    from assistant.runtime.prompts import TOOL_SYSTEM, tool_signatures
    from assistant.runtime.tool_calls import looks_like_call, parse_tool_call
    from assistant.tools.shop_tools import tool_definitions
    from finetune.agent.evaluate import valid_call

    bare = _generator(settings, adapter=None)
    grammar = ToolGrammar(tuned=False).build(schema_specs(MODEL_TOOL_ARGS))  # as served without an adapter
    system = TOOL_SYSTEM + tool_signatures(tool_definitions(names=MODEL_TOOLS))
    for chat in CHATS:
        text, _ = bare.complete([{"role": "system", "content": system}, chat[1]], BASE_TOOL_STEP_TOKENS, 60, grammar)
        assert looks_like_call(text) and valid_call(parse_tool_call(text)), text


def test_batched_turns_match_serial_ones_without_crosstalk(settings):
    """More turns than batch places (2): all finish, each with exactly what it writes alone."""
    pool = _generator(settings, llm_workers=2)
    serial = [pool.complete(c, 40, 60)[0] for c in CHATS[:5]]
    results: dict[int, str] = {}

    def work(i: int) -> None:
        results[i] = pool.complete(CHATS[i], 40, 60)[0]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [results[i] for i in range(5)] == serial
    assert pool.scheduler.max_batch_sequences == 2


def test_shared_prompt_prefix_is_evaluated_once_and_changes_nothing(settings):
    pool = _generator(settings, llm_workers=2)
    first = pool.complete(CHATS[0], 24, 60)[0]
    before = pool.scheduler.reused_tokens
    again = pool.complete(CHATS[1], 24, 60)[0]  # same system prompt as CHATS[0]
    assert pool.scheduler.reused_tokens - before >= 40  # the system prompt's tokens
    fresh = _generator(settings, llm_workers=3)  # a scheduler of its own, nothing cached
    assert fresh.complete(CHATS[1], 24, 60)[0] == again
    assert pool.complete(CHATS[0], 24, 60)[0] == first
    fresh.close()


def test_a_reader_that_stops_early_frees_its_place(settings):
    pool = _generator(settings, llm_workers=1)
    stream = pool.stream(CHATS[2], 60, 60)
    next(stream)
    stream.close()  # the shopper went away mid-reply
    assert pool.complete(CHATS[5], 24, 60)[0]  # the only place is free again
    with pytest.raises(ModelCallError, match="does not fit"):
        pool.complete([{"role": "user", "content": "word " * 5000}], 8, 60)


def test_tool_step_is_constrained_and_reply_step_is_free(demo_index, settings):
    """The chat model hands the grammar to the generator for the tool step only."""
    from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

    from assistant.runtime.chat_model import LocalChatModel
    from assistant.tools.shop_tools import tool_definitions
    from tests.conftest import RecordingGenerator

    recording = RecordingGenerator(_generator(settings))
    bound = LocalChatModel(recording, compact_prompt=True).bind_tools(tool_definitions(names=MODEL_TOOLS))
    human = HumanMessage("state: shown: 0\nshopper: show me the cart")
    ai = bound.invoke([human])
    assert ai.tool_calls and ai.tool_calls[0]["name"] == "view_cart"
    call = {"name": "view_cart", "args": {}, "id": "c1", "type": "tool_call"}
    list(bound.stream([human, AIMessage("", tool_calls=[call]), ToolMessage("empty", tool_call_id="c1")]))
    seen = [grammar for _, grammar in recording.requests]
    assert seen[0] and seen[0].startswith("root ::= call | text")
    assert seen[1] is None
    assert json.dumps(seen[0])  # plain text, loggable


def test_cli_names_the_rebuild_command_for_a_broken_cached_model(tmp_path, settings, demo_index):
    """A truncated merged model in the cache: `aisle chat` prints one line naming `aisle export agent`."""
    import os
    import subprocess
    import sys

    from assistant.runtime.loader import default_adapter_dir, merged_gguf_path

    data = tmp_path / "data"
    shutil.copytree(settings.data_dir / "indexes", data / "indexes")
    cached = merged_gguf_path(str(default_adapter_dir()), settings.llm_path, settings.model_copy(
        update={"data_dir": data}))
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"GGUF" + b"\x00" * 64)
    script = tmp_path / "hi.script"
    script.write_text("hi\n")
    env = {**os.environ, "AISLE_DATA_DIR": str(data)}
    run = subprocess.run([sys.executable, "-m", "app", "chat", "--script", str(script)], env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 1
    assert "aisle export agent" in run.stderr and "Traceback" not in run.stderr


def test_closed_runtime_refuses_turns(settings):
    pool = _generator(settings, llm_workers=7)  # its own scheduler (the agent serves with 4): closing it harms no one
    assert pool.complete(CHATS[2], 8, 60)[0]
    pool.close()
    with pytest.raises(ModelCallError, match="shut down"):
        pool.complete(CHATS[2], 8, 60)
