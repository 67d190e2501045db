"""The simulated shoppers' phrase banks.

Written separately from the training generator's (`finetune/agent/phrasing.py`) and kept disjoint
from it: `tests/test_simulator.py` checks that no simulator utterance occurs in the training data,
so the simulator measures how the agent copes with wording it was not trained on.
"""

from __future__ import annotations

OPEN = ["hi! i'm after {thing}{price}", "{thing}{price} - what have you got", "could you help me pick {thing}{price}",
        "shopping for {thing}{price} today", "need {thing}{price} asap", "{thing}{price}, any ideas?",
        "recommendations for {thing}{price}?", "is there {thing}{price} in your shop",
        "hunting for {thing}{price}", "hello, {thing}{price} please", "what {thing} would you suggest{price}",
        "{thing} wanted{price}"]
CEILING = [" for {n} dollars tops", " and my limit is ${n}", ", ${n} max", ", nothing over ${n}",
           " - can't spend more than ${n}", " around ${n} or less"]
LOWER_PRICE = ["too pricey, keep it under ${n}", "can we stay below {n} dollars", "{n} bucks is my ceiling",
               "nothing over ${n} please", "hmm, i can only do ${n} or less"]
BRAND_ONLY = ["just show {b}", "{b} only please", "i trust {b}, only them", "stick to {b}", "any from {b}?"]
EXCLUDE = ["drop {b}", "no {b} stuff", "i'd rather avoid {b}", "leave out {b}", "without {b} please"]
COLOUR = ["any in {c}?", "i'd prefer {c}", "{c} would be nice", "got {c} ones?", "make it {c}"]
CHEAPER = ["hmm, less pricey ones?", "those cost too much", "lower priced please", "bit cheaper?",
           "anything more affordable?"]
QUESTION = ["does #{n} have {attr}?", "what's the {attr} on number {n}?", "item {n}: what {attr}?",
            "the {ord} one, what about its {attr}?", "for #{n}, what is the {attr}?"]
COMPARE = ["put #{a} and #{b} side by side", "#{a} or #{b}, how do they differ?", "difference between #{a} and #{b}?",
           "weigh up number {a} against number {b}"]
ADD = ["i'll go with #{n}", "grab the {ord} one for me", "#{n} into the basket please", "let me get number {n}",
       "i'll have #{n}"]
CONFIRM = ["yes go for it", "yup", "sure thing", "absolutely", "definitely"]
DECLINE = ["actually no", "hold off", "not now", "forget it", "nah"]
OFF_TOPIC = ["any plans for the weekend?", "can you write me a poem about cats", "is it going to snow in denver",
             "recommend a good movie", "what's your favourite colour", "solve x squared equals nine"]
NOTHING_PENDING = ["ok", "alright", "sounds good"]
POLICY = {"returns": ["can i send stuff back if it doesn't work out", "what if i want my money back?"],
          "shipping": ["how long does delivery take", "when would it get to me"],
          "warranty": ["is there a warranty on these", "what happens if it breaks after a month"],
          "payment": ["do you take paypal", "can i pay by card"]}
ORDER = ["check order {id} for {e} please", "{e} - any news on {id}?", "has {id} shipped? it's under {e}"]
SORT = {"price_asc": ["could you list the cheapest ones first", "lowest price at the top please",
                      "arrange them from cheapest", "price low to high"],
        "price_desc": ["most expensive ones first please", "priciest at the top", "price high to low"],
        "rating_desc": ["highest rated ones first", "order them by customer rating", "top rated at the top please"]}
NEW_TYPE = ["actually, show me {thing}{price} instead", "forget that, i want {thing}{price}",
            "different thing: {thing}{price}", "switching gears - {thing}{price}"]
SIMILAR = ["anything in the same vein as #{n}?", "show me others like the {ord} one", "similar stuff to number {n}",
           "what else is close to #{n}?", "more along the lines of the {ord} one", "got alternatives to #{n}?"]
SIMILAR_CHEAPER = ["something like #{n} for less money", "a cheaper option similar to the {ord} one",
                   "like number {n} but less expensive", "alternatives to #{n} at a lower price"]
