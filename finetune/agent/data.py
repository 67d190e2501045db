"""Play generated dialogues through the real tools and turn them into supervised examples.

Each example is built by the agent's own turn protocol (``assistant.turn_protocol``): the same tool-step
and reply-step messages, the same rendering for the local model, the same grounding sources.
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from langchain_core.messages import AIMessage
from tqdm import tqdm

from assistant.answers.replies import needs_model_reply, template_reply
from assistant.dialogue.state import DialogueState
from assistant.runtime.prompts import tool_system_prompt
from assistant.runtime.tool_calls import render_call
from assistant.session import ShopSession
from assistant.storage import Store
from assistant.tools.schemas import MODEL_TOOLS
from assistant.tools.shop_tools import ShopTools, tool_definitions
from assistant.turn_protocol import grounding_sources, local_chat, reply_step_messages, tool_step_messages
from finetune.agent.dialogues import DialogueGenerator, Example, clean_args
from retrieval.catalog.product import Product
from retrieval.search import Searcher


def build_examples(searcher: Searcher, products: list[Product], split: str, n_dialogues: int, seed: int,
                   real_queries: list[str] | None = None, reply_share: float = 0.3,
                   progress: bool = True) -> list[Example]:
    gen = DialogueGenerator(products, split, seed, real_queries)
    rng = random.Random(seed + 1)
    examples: list[Example] = []
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "dialogues.sqlite")
        tool_prompt = full_prompt = None
        for d in tqdm(range(n_dialogues), desc=f"{split} dialogues", disable=not progress):
            session = ShopSession(store, f"{split}-{d}", searcher.name, DialogueState())
            tools = ShopTools(session, searcher)
            tools.search_method = "hybrid"
            if tool_prompt is None:
                tool_prompt = tool_system_prompt(tool_definitions(names=MODEL_TOOLS), compact=True)
                full_prompt = tool_system_prompt(tool_definitions(names=MODEL_TOOLS))
            scenario, play = gen.dialogue()
            for text, gold in play(tools):
                session.state.turns += 1
                step = tool_step_messages(session.state.summary(), text)
                chat, chat_full = local_chat(step, tool_prompt), local_chat(step, full_prompt)
                if gold.kind == "text":
                    examples.append(Example("call", chat, gold.text or "", gold, scenario=scenario,
                                            chat_full=chat_full, shopper=text))
                    continue
                args = clean_args(gold.args)
                examples.append(Example("call", chat, render_call(gold.name, args), gold, scenario=scenario,
                                        chat_full=chat_full, shopper=text))
                content, art = tools.run(gold.name, args)
                if needs_model_reply([art]) and rng.random() < reply_share:
                    call = {"name": gold.name, "args": args, "id": "call_1", "type": "tool_call"}
                    messages = reply_step_messages(step, AIMessage(content="", tool_calls=[call]),
                                                   [("call_1", gold.name, content, art)])
                    reply = template_reply([art], rng.randrange(3))
                    examples.append(Example("reply", local_chat(messages, None), reply, gold,
                                            grounding_sources([content], [art]), scenario, shopper=text))
    return examples
