"""The project's nDCG@k checked against trec_eval's (through ir-measures), on the same rankings and judgements.

trec_eval wants integer relevance, so gains are scaled by 100 and rounded (nDCG does not change
under scaling: Chorus averages like 2.5 and ESCI's 0.01 both stay exact), and it orders a run by
score, so each ranking is given strictly decreasing scores. Unjudged products count 0 in both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import ir_measures
from ir_measures import Qrel, ScoredDoc, nDCG


def trec_ndcg(rankings: Mapping[str, Sequence[str]], judged: Mapping[str, Mapping[str, float]],
              k: int = 10) -> dict[str, float]:
    """Per query nDCG@k as trec_eval's ndcg_cut computes it."""
    qrels = [Qrel(q, pid, int(round(g * 100))) for q, gains in judged.items() for pid, g in gains.items()]
    run = [ScoredDoc(q, pid, float(len(ranking) - i)) for q, ranking in rankings.items()
           for i, pid in enumerate(ranking)]
    measure = nDCG @ k
    out = {q: 0.0 for q in rankings}
    for metric in ir_measures.iter_calc([measure], qrels, run):
        out[metric.query_id] = float(metric.value)
    return out
