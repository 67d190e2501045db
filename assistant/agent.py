"""The agent loop: shopper turn -> tool call(s) -> grounded, streamed reply.

Runs on langchain-core messages with any chat model that implements ``bind_tools`` (our local
model or ``ChatOpenAI`` against vLLM/TGI/Ollama). Tool rounds are bounded, every reply is checked
against this turn's tool results, and a failing model shows an error instead of hanging.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage

from aisle.settings import Settings
from assistant.answers.replies import OWN_PHRASING, needs_model_reply, template_reply
from assistant.dialogue.foreign_terms import foreign_search
from assistant.dialogue.preferences import (
    forget_asked,
    forget_reply,
    preferred_only,
    stated_brand_signals,
    why_asked,
    why_reply,
)
from assistant.dialogue.query_words import with_shopper_words
from assistant.dialogue.state_rules import (
    NO_TOOL,
    NOT_UNDERSTOOD,
    ORDER_QUESTION,
    THANKED,
    about_the_product,
    accessories_asked,
    brand_reference,
    cart_view_asked,
    compare_asked,
    order_help_asked,
    pending_answer,
    similar_asked,
    single_reference,
    small_talk,
    state_guard,
    superlative_asked,
    thanked,
    unknown_brands_named,
    words_call,
    world_question,
)
from assistant.events import AgentEvent, Done, Failed, Replaced, Token, ToolCalled, ToolFinished, TurnResult
from assistant.safety.argument_guard import constraint_words_dropped, order_call_from_text
from assistant.safety.input_guard import clean_message
from assistant.session import ShopSession
from assistant.tools.results import ToolResult
from assistant.tools.shop_tools import ShopTools
from assistant.turn_log import TurnLog
from assistant.turn_protocol import (
    CatalogGuard,
    grounding_sources,
    reply_problems,
    reply_step_messages,
    tool_step_messages,
)
from retrieval.indexes import Indexes
from retrieval.recommend.profile import Signal, SignalKind
from retrieval.spec_match import referenced_amount

ERROR_REPLY = "Sorry, I'm having trouble answering right now. Please try again in a moment."
LIST_KEPT = "The products shown are unchanged; tell me another brand or what else to change."
# direct calls the guards must not rewrite: the brand read off a shown product is one the shopper never typed (the
# guard would drop it). Other direct calls go through the guards once more (AIMessage copies its tool calls, so an
# identity check never held; the dialogue suite was measured with that behaviour).
UNGUARDED_CALLS = frozenset({"brand-of-shown"})
# tools whose ``position`` counts the shown list (a cart line's does not)
AMOUNT_REFERENCE_TOOLS = frozenset({"get_product", "answer_product_question", "add_to_cart", "similar_products",
                                    "find_accessories"})


class ShoppingAgent:
    """One loaded chat model serving any number of sessions; each turn opens its session's index once."""

    def __init__(self, chat_model: BaseChatModel, settings: Settings, indexes: Indexes, local: bool = True,
                 template_replies: bool = False, turn_log: TurnLog | None = None) -> None:
        self.settings = settings
        self.turn_log = turn_log or TurnLog()
        self.indexes = indexes
        self.model = chat_model
        self.local = local
        self.template_replies = template_replies  # the tool results are phrased by Aisle, not the model

    def tools_for(self, session: ShopSession) -> ShopTools:
        """The session's tools over its index (opened on first use in the turn, once)."""
        return ShopTools(session, lambda: self.indexes.searcher(session.index))

    def _bound(self, tools: ShopTools):
        """Local models decode the tool step under the tools' grammar; a served model (vLLM, TGI,
        OpenAI) gets strict tool schemas: every argument present (null when unused), no others."""
        if self.local:  # the tools it was trained on: a new tool in the list would change what the adapter reads
            return self.model.bind_tools(tools.as_langchain(model_tools_only=True))
        return self.model.bind_tools(tools.as_langchain(), strict=True)

    def stream_turn(self, session: ShopSession, raw_text: str | bytes | None) -> Iterator[AgentEvent]:
        result = TurnResult(text="")
        started = time.perf_counter()
        cleaned = clean_message(raw_text, self.settings.max_message_chars)
        result.text = cleaned.text
        session.state.turns += 1
        if cleaned.reply:
            result.reply = cleaned.reply
            yield from self._finish(session, result, started)
            return
        tools = self.tools_for(session)
        failure: Exception | None = None
        try:
            yield from self._run(session, tools, cleaned.text, result)
        except Exception as exc:  # noqa: BLE001 - the shopper gets a message, the session stays usable
            failure = exc
            result.error = f"{type(exc).__name__}: {exc}"
            result.reply = ERROR_REPLY
            yield Failed(result.error)
        else:
            # the rules' fixed answers are our own words: a catalog brand that is a common word ("Nothing")
            # must not mark "There's nothing waiting ..." as ungrounded
            result.shown_ungrounded = [] if result.fixed_reply else self._check(tools, result)
        if cleaned.notice:
            result.notices.insert(0, cleaned.notice)
        if result.notices and not result.error:
            result.reply = " ".join([*result.notices, result.reply])
        result.timings["total_s"] = time.perf_counter() - started
        yield from self._finish(session, result, started, failure)

    def route(self, session: ShopSession, tools: ShopTools, text: str, result: TurnResult) -> AIMessage | None:
        """The turn's first step as it will run: a fixed answer from the rules (``result.reply``, and None
        back), or the tool calls of a direct route or of the model, each through every guard. ``aisle eval
        agent`` scores what this returns ("served"), the same code the shopper's turn runs."""
        if forget_asked(text) or why_asked(text):  # about the shopper's profile: answered from the session
            result.reply, result.fixed_reply = (forget_reply if forget_asked(text) else why_reply)(session), True
            return None
        for signal in stated_brand_signals(text, tools.vocabulary.brands):  # "i prefer sony": the turn goes on
            session.learn(signal)
        if thanked(text):
            result.reply, result.fixed_reply = THANKED, True
            return None
        if world_question(text, tools.types):  # rule 35: not the shop's business, and no search
            result.reply, result.fixed_reply = NOT_UNDERSTOOD, True
            return None
        answer = pending_answer(session.state, text)
        if answer.reply is not None:
            result.reply, result.fixed_reply = answer.reply, True
            return None
        direct = answer.call
        if direct is None and (order := order_call_from_text(text)) is not None:  # the guard would make it so anyway
            direct = {"name": "order_status", "args": order, "id": "order-in-text", "type": "tool_call"}
        for asked, tool in ((accessories_asked, "find_accessories"), (similar_asked, "similar_products"),
                            (superlative_asked, "pick_from_shown"), (compare_asked, "compare_products")):
            if direct is None and asked(text, session.state):  # "more like the second one": no model call
                name, args = self._guards(session, tools, tool, {}, text)
                direct = {"name": name, "args": args, "id": tool, "type": "tool_call"}
        if direct is None and (ref := brand_reference(text, session.state)) is not None:
            brand = tools.brand_at(ref.position)  # "leave out the brand of the first one": the shopper never typed it
            if brand is not None:
                direct = {"name": "search_products", "args": {"refine": True, ("exclude_brands" if ref.exclude
                          else "brands"): [brand]}, "id": "brand-of-shown", "type": "tool_call"}
        if direct is None and (english := foreign_search(text, tools.types)) is not None:
            direct = {"name": "search_products", "args": {"query": english}, "id": "foreign-terms", "type": "tool_call"}
            result.notices.append(f'I read your message as "{english}" (I understand English best).')
        t0 = time.perf_counter()
        if direct:
            ai = AIMessage("", tool_calls=[direct])
        elif cart_view_asked(text):
            ai = AIMessage("", tool_calls=[{"name": "view_cart", "args": {}, "id": "cart-view", "type": "tool_call"}])
        elif order_help_asked(text):  # rule 14: both the order number and the e-mail, in one message
            ai = AIMessage("", tool_calls=[{"name": "ask_clarification", "args": {"question": ORDER_QUESTION},
                                            "id": "order-help", "type": "tool_call"}])
        else:
            ai = self._bound(tools).invoke(tool_step_messages(session.state.summary(), text, served=not self.local))
            for call in ai.tool_calls:  # a new search: the shopper's words, not the model's copy of them
                if call["name"] == "search_products" and isinstance(call["args"], dict):
                    call["args"] = with_shopper_words(call["args"], text, tools.types.of_text)
            if not ai.tool_calls and (words := words_call(session.state, text)) is not None:
                ai = AIMessage("", tool_calls=[{"name": words[0], "args": words[1], "id": "words",
                                                "type": "tool_call"}])
        result.timings["tool_step_s"] = time.perf_counter() - t0
        return ai if self._guard_calls(session, tools, ai, text, result) else None

    def _guard_calls(self, session: ShopSession, tools: ShopTools, ai: AIMessage, text: str,
                     result: TurnResult) -> bool:
        """Every guard on each of ``ai``'s calls, in place; False when one turned out to be no tool call at
        all (``result.reply`` then holds the fixed answer)."""
        for call in ai.tool_calls:
            if call.get("id") not in UNGUARDED_CALLS:
                missing = unknown_brands_named(call["args"], text, tools.vocabulary.brands)
                if missing:
                    result.notices.append(f"The catalog has no products from {' or '.join(missing)}.")
                call["name"], call["args"] = self._guards(session, tools, call["name"], call["args"], text)
                call["args"] = _amount_referenced(tools, call["name"], call["args"], text)
            if call["name"] == "answer_product_question" and isinstance(call["args"], dict) and \
                    not about_the_product(text, tools.product_words(call["args"].get("position"),
                                                                     call["args"].get("product_id"))):
                call["name"] = NO_TOOL  # "who won the game last night?" is no question about the product shown
            if call["name"] == NO_TOOL:  # after a brand we don't carry, the list on screen simply stays
                result.reply = LIST_KEPT if result.notices and session.state.shown else NOT_UNDERSTOOD
                result.fixed_reply = True
                return False
        return True

    def _run(self, session: ShopSession, tools: ShopTools, text: str, result: TurnResult) -> Iterator[AgentEvent]:
        ai = self.route(session, tools, text, result)
        if ai is None:
            return
        messages = tool_step_messages(session.state.summary(), text, served=not self.local)
        bound = self._bound(tools)
        for round_ in range(self.settings.agent_max_tool_rounds):
            if not ai.tool_calls:
                break
            if round_ and not self._guard_calls(session, tools, ai, text, result):  # the reply step's own calls
                return
            ran: list[tuple[str, str, str, ToolResult]] = []
            for call in ai.tool_calls:
                yield ToolCalled(call["name"], call["args"])
                content, art = tools.run(call["name"], call["args"])
                result.sources.append(content)
                result.tool_calls.append({"name": call["name"], "args": call["args"]})
                result.artifacts.append(art)
                ran.append((call["id"], call["name"], content, art))
                yield ToolFinished(art)
            messages = reply_step_messages(messages, ai, ran)
            if self.template_replies or not needs_model_reply(result.artifacts):
                result.reply = template_reply(result.artifacts, session.state.turns)
                return
            ai = yield from self._stream_reply(bound, messages, result)
        else:
            result.reply = template_reply(result.artifacts)  # tool rounds exhausted
            return
        result.model_reply = str(ai.content).strip()
        result.reply = result.model_reply
        if not result.artifacts and not small_talk(text):  # a poem or trivia in the model's words: not ours to say
            result.reply, result.fixed_reply, result.used_template = NOT_UNDERSTOOD, True, True
            return
        result.ungrounded = self._check(tools, result)
        if result.ungrounded or not result.reply or (not result.artifacts and ai.response_metadata.get("raw", "")
                                                      .lstrip().startswith("{")):
            result.reply = template_reply(result.artifacts)
            result.used_template = True
            yield Replaced(result.reply)

    def _guards(self, session: ShopSession, tools: ShopTools, name: str, args: Any, text: str) -> tuple[str, Any]:
        """The argument guard, then the dialogue-state rules; a call the state rules re-route (a question
        read as a purchase, "make it pink" read as one) goes through both once more as its new tool."""
        for _ in range(2):
            guarded, args = self._guard_call(tools, name, args, text)
            routed, args = state_guard(session.state, guarded, args, text, tools.types)
            if routed == guarded:
                break
            name = routed
        else:
            routed = name
        args = _preference_not_filter(routed, args, text)
        # the price and stock words the filters now carry leave the query, whichever rule wrote it
        return routed, constraint_words_dropped(args) if routed == "search_products" and isinstance(args, dict) \
            else args

    def _guard_call(self, tools: ShopTools, name: str, args: Any, text: str) -> tuple[str, Any]:
        """The shopper's own words win where they are unambiguous (see ``assistant/safety/argument_guard.py``)."""
        return CatalogGuard(tools.vocabulary, tools.has_product)(name, args, text)

    def _check(self, tools: ShopTools, result: TurnResult) -> list[str]:
        """Ungrounded facts and unsupported claims (discounts, cart changes, the prompt) in the reply; Aisle's own
        phrasing words are no brand claims in a reply Aisle wrote."""
        sources = grounding_sources(result.sources, result.artifacts)
        own = not result.model_reply or result.used_template
        return reply_problems(result.reply, [*sources, OWN_PHRASING] if own else sources, result.text,
                              tools.vocabulary.brands)

    def _stream_reply(self, bound, messages: list[BaseMessage], result: TurnResult):
        t0 = time.perf_counter()
        first: float | None = None
        chunks = None
        for chunk in bound.stream(messages):
            if chunk.content:
                if first is None:
                    first = time.perf_counter() - t0
                yield Token(chunk.content)
            chunks = chunk if chunks is None else chunks + chunk
        result.timings["reply_step_s"] = time.perf_counter() - t0
        result.timings["reply_first_token_s"] = first if first is not None else result.timings["reply_step_s"]
        if chunks is None:
            return AIMessage(content="")
        return AIMessage(content=chunks.content, tool_calls=chunks.tool_calls,
                         response_metadata=chunks.response_metadata)

    def _finish(self, session: ShopSession, result: TurnResult, started: float,
                failure: Exception | None = None) -> Iterator[AgentEvent]:
        result.timings.setdefault("total_s", time.perf_counter() - started)
        products = [p.id for a in result.artifacts for p in a.products]
        result.turn = session.store.record_turn(session.session_id, result.text, result.reply, result.tool_calls,
                                                products, not result.ungrounded)
        session.save()
        self.turn_log.record(session.session_id, session.index, result, failure)
        yield Done(result)

    def rate_product(self, session: ShopSession, product_id: str, liked: bool) -> str:
        """A thumbs up or down on a product card: a profile signal (stored with the list it was shown in)."""
        product = self.indexes.searcher(session.index).get_product(product_id)
        if product is None:
            raise LookupError(f"there is no product {product_id!r} in the catalog")
        session.learn(Signal(SignalKind.THUMBS_UP if liked else SignalKind.THUMBS_DOWN, product))
        return f"Noted: you {'like' if liked else 'are not keen on'} {product.title}."

    def rate_turn(self, session: ShopSession, turn: int, liked: bool) -> None:
        """A thumbs up or down on a reply: stored as the reply's rating, and a signal on the product it led with."""
        session.store.set_feedback(session.session_id, turn, 1 if liked else -1)
        shown = next((t["products"] for t in session.store.turns(session.session_id) if t["turn"] == turn), [])
        if shown:
            self.rate_product(session, shown[0], liked)

    def turn(self, session: ShopSession, text: str | bytes | None) -> TurnResult:
        for event in self.stream_turn(session, text):
            if isinstance(event, Done):
                return event.result
        raise RuntimeError("the agent ended a turn without a result")  # pragma: no cover


def _amount_referenced(tools: ShopTools, name: str, args: Any, text: str) -> Any:
    """ "put the 128gb one in my cart": the one shown product whose title states that amount, whatever position
    the model guessed; a message with an ordinal, or an amount no single shown product states, is left as it is."""
    if name not in AMOUNT_REFERENCE_TOOLS or not isinstance(args, dict) or single_reference(text, 50) is not None:
        return args
    amount = referenced_amount(text)
    position = tools.position_stating(amount) if amount is not None else None
    if position is None:
        return args
    return {**{k: v for k, v in args.items() if k not in ("product_id", "position")}, "position": position}


def _preference_not_filter(name: str, args: Any, text: str) -> Any:
    """A brand the shopper only said they like ("I prefer Sony") ranks up through the profile; it is no filter."""
    if name != "search_products" or not isinstance(args, dict) or not args.get("brands"):
        return args
    soft = {b.lower() for b in preferred_only(text, [b for b in args["brands"] if isinstance(b, str)])}
    return {**args, "brands": [b for b in args["brands"] if not (isinstance(b, str) and b.lower() in soft)]} \
        if soft else args


def writes_template_replies(settings: Settings, chat_model: BaseChatModel, local: bool) -> bool:
    """Whether the agent phrases tool results itself (``Settings.reply_writer``). On ``auto``, yes for a local
    model with a LoRA adapter: ``aisle train agent`` trains its reply step on these very phrasings, and the tuned
    model writes them (``bench/bench_reply_writer.py``) at ~1.2 s of a 2-core CPU per turn."""
    if settings.reply_writer != "auto":
        return settings.reply_writer == "template"
    generator = getattr(chat_model, "generator", None)
    return local and generator is not None and getattr(generator, "adapter", None) is not None


def build_chat_model(settings: Settings, adapter: str | None | bool = True) -> tuple[BaseChatModel, bool]:
    """The configured chat model and whether it runs in-process."""
    if settings.llm_backend == "openai":
        from langchain.chat_models import init_chat_model

        if not settings.llm_base_url or not settings.llm_model:
            raise ValueError("the openai backend needs AISLE_LLM_BASE_URL and AISLE_LLM_MODEL")
        # langchain's provider registry builds the client (ChatOpenAI for vLLM/TGI/Ollama's OpenAI API)
        return init_chat_model(settings.llm_model, model_provider="openai", base_url=settings.llm_base_url,
                               api_key=settings.llm_api_key, timeout=settings.llm_timeout_s, max_retries=1,
                               temperature=0), False
    from assistant.runtime.chat_model import LocalChatModel
    from assistant.runtime.loader import load_generator

    generator = load_generator(settings, adapter=adapter)
    return LocalChatModel(generator, max_new_tokens=settings.llm_max_new_tokens, timeout_s=settings.llm_timeout_s,
                          compact_prompt=generator.adapter is not None, constrain_tools=settings.llm_grammar,
                          tuned_grammar=generator.adapter is not None, call_drafts=settings.llm_call_drafts), True
