"""Choosing the weights of a stage that marks candidates (the product-type stage, the negation stage) by
cross-validation over judged queries, and testing them.

Mirrors ``tune_fusion``: candidate lists are retrieved once per query (the shipped pipeline's stages
before the type stage: spelling, dense, lexical, the shipped hybrid fusion; depth 100; each
candidate's type read by the lexicon), every weight pair is scored on the same lists,
folds split by query, weights chosen on the training folds by the mean of per-catalog means and
scored on the held-out fold. The out-of-fold per-query nDCG@10 of the stage is compared with hybrid's
by a paired test per catalog, in both settings (full catalog, rerank of the judged candidates), against
plain hybrid on the query as typed. ``typos=True`` runs the same on misspelt queries
(``evaluation/typos.py``), where the baseline is plain hybrid on the misspelt query.

The negation stage (``stage="negation"``) is tuned the same way, on the lists after the type stage with its
shipped weights; its marks say whether each candidate's title lacks what the query excludes. Those type weights
were chosen on the same judged queries, so its comparison with hybrid is partly in sample; the comparison with the
search before the stage is not. ``rerank`` is left out (off by default), as in the shipped search.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from statistics import mean
from typing import Literal

from retrieval import negation
from retrieval.evaluation.crosscheck import trec_ndcg
from retrieval.evaluation.judgments import Judgments
from retrieval.evaluation.methods import order
from retrieval.evaluation.metrics import ndcg_at_k
from retrieval.evaluation.significance import paired_test
from retrieval.evaluation.typos import typo_query
from retrieval.filters import SearchFilters
from retrieval.search import Searcher
from retrieval.type_boost import TypeBoost

GRID = [TypeBoost(m, x) for m in (0.0, 0.1, 0.2, 0.3, 0.5, 1.0) for x in (0.0, 0.1, 0.2, 0.3, 0.5, 1.0)]
SETTINGS = ("full", "rerank")


@dataclass
class TypedQuery:
    catalog: str
    query: str
    wanted: str | None
    hybrid: dict[str, float]         # full-catalog hybrid scores, depth 100
    hybrid_judged: dict[str, float]  # hybrid scores over the judged candidates
    fits: dict[str, bool | None]     # does each candidate above fit the query's type
    judged: dict[str, float]
    baseline: dict[str, float]       # plain hybrid nDCG@10 on the query as typed, per setting
    searched: str = ""               # the query after the spelling stage

    def ranking(self, boost: TypeBoost, setting: str) -> list[str]:
        if setting == "full":
            scores = boost.apply(self.hybrid, self.fits)
            return order(scores, list(self.hybrid))
        scores = boost.apply(self.hybrid_judged, self.fits)
        return order(scores, sorted(self.judged))

    def ndcg(self, boost: TypeBoost, setting: str, k: int = 10) -> float:
        return ndcg_at_k(self.ranking(boost, setting), self.judged, k)


PIPELINE = ("spell", "dense", "lexical", "fuse")  # the shipped "full" stages before the type stage
Stage = Literal["type", "negation"]
# the shipped stages before each tuned stage, and (the search before the stage, with it) as reported
BEFORE: dict[str, tuple[str, ...]] = {"type": PIPELINE, "negation": (*PIPELINE, "type")}
LABELS: dict[str, tuple[str, str]] = {"type": ("spell+hybrid", "spell+hybrid+type"),
                                      "negation": ("spell+hybrid+type", "spell+hybrid+type+negation")}


def collect(searcher: Searcher, judgments: Judgments, depth: int = 100, typos: bool = False,
            seed: int = 0, stage: Stage = "type") -> list[TypedQuery]:
    known = set(searcher.lexical.all_ids())
    rows = []
    for judged_query in judgments.queries:
        judged = {pid: g for pid, g in judgments.gains[judged_query].items() if pid in known}
        query = typo_query(judged_query, seed) if typos else judged_query
        if not judged or (typos and query == judged_query):
            continue
        plain = searcher.run_stages(query, SearchFilters(), depth, "hybrid").final
        baseline = {"full": ndcg_at_k(order(plain, list(plain)), judged),
                    "rerank": ndcg_at_k(order(searcher.score_candidates(query, sorted(judged), "hybrid"),
                                              sorted(judged)), judged)}
        c = searcher.run_stages(query, SearchFilters(), depth, BEFORE.get(stage, PIPELINE))
        hybrid_judged = searcher.score_candidates(c.query, sorted(judged), "hybrid")
        ids = sorted(set(c.final) | set(judged))
        if stage == "type":
            wanted = searcher.types.of_text(c.query)
            fits = searcher.type_fits(ids, wanted)
        elif stage == "negation":
            hybrid_judged = searcher.type_boost.apply(hybrid_judged, searcher.type_fits(sorted(judged),
                                                                                        searcher.types.of_text(c.query)))
            fits = searcher.negation_fits(ids, c.query)
            wanted = "; ".join(" ".join(p) for p in negation.excluded(c.query)) or None
        else:
            raise ValueError(f"no stage {stage!r} to tune (type or negation)")
        rows.append(TypedQuery(searcher.name, query, wanted, c.final, hybrid_judged, fits,
                               judged, baseline, c.query))
    return rows


def score(rows: list[TypedQuery], boost: TypeBoost, setting: str = "full") -> float:
    """Mean over catalogs of the mean nDCG@10."""
    per_catalog: dict[str, list[float]] = {}
    for row in rows:
        per_catalog.setdefault(row.catalog, []).append(row.ndcg(boost, setting))
    return mean(mean(v) for v in per_catalog.values())


def best(rows: list[TypedQuery]) -> TypeBoost:
    """Best full-catalog score; ties go to the smaller weights (the stage only moves what it must)."""
    return max(GRID, key=lambda b: (round(score(rows, b), 6), -(b.match + b.mismatch)))


def cross_validate(rows: list[TypedQuery], folds: int = 5, seed: int = 13, stage: Stage = "type") -> dict:
    before, after = LABELS[stage]
    idx = list(range(len(rows)))
    random.Random(seed).shuffle(idx)
    fold_of = {i: n % folds for n, i in enumerate(idx)}
    chosen: list[TypeBoost] = []
    oof: dict[str, dict[int, float]] = {s: {} for s in SETTINGS}
    oof_ranking: dict[int, list[str]] = {}
    for fold in range(folds):
        boost = best([rows[i] for i in range(len(rows)) if fold_of[i] != fold])
        chosen.append(boost)
        for i in (i for i in range(len(rows)) if fold_of[i] == fold):
            for s in SETTINGS:
                oof[s][i] = rows[i].ndcg(boost, s)
            oof_ranking[i] = rows[i].ranking(boost, "full")
    final = best(rows)
    catalogs: dict[str, dict] = {}
    none = TypeBoost()
    for cat in sorted({r.catalog for r in rows}):
        members = [i for i, r in enumerate(rows) if r.catalog == cat]
        entry: dict = {"queries": len(members), "typed_queries": sum(rows[i].wanted is not None for i in members),
                       "corrected_queries": sum(rows[i].searched != rows[i].query for i in members)}
        for s in SETTINGS:
            base = [rows[i].baseline[s] for i in members]
            spelled = [rows[i].ndcg(none, s) for i in members]
            typed = [oof[s][i] for i in members]
            entry[s] = {"hybrid": round(mean(base), 4), before: round(mean(spelled), 4),
                        f"{after} (out of fold)": round(mean(typed), 4),
                        "paired vs hybrid": paired_test(base, typed).to_dict(),
                        f"paired, {before} vs hybrid": paired_test(base, spelled).to_dict(),
                        f"paired, {after} vs {before}": paired_test(spelled, typed).to_dict()}
        trec = trec_ndcg({str(i): oof_ranking[i] for i in members}, {str(i): rows[i].judged for i in members})
        entry["full"][f"{after}, trec_eval nDCG@10 (ir-measures)"] = round(mean(trec.values()), 4)
        entry["per_query"] = {rows[i].query: {"hybrid": round(rows[i].baseline["full"], 4),
                                              "shipped": round(oof["full"][i], 4), "searched": rows[i].searched}
                              for i in members}
        catalogs[cat] = entry
    return {"match": final.match, "mismatch": final.mismatch, "folds": folds, "seed": seed,
            "fold_choices": [[b.match, b.mismatch] for b in chosen], "catalogs": catalogs,
            "grid_full": {f"{b.match}/{b.mismatch}": round(score(rows, b), 4) for b in GRID}}
