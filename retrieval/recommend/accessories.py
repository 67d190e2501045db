"""What goes with a product: accessories and supplies the catalog says fit it, and what it fits.

Catalogs such as Chorus/Icecat name, on a toner, battery or case, the device models it fits
(``compatibility``). ``CompatibilityIndex`` reads those lists once per index generation and matches them
to a product's own model codes:

- a code with letters and digits ("M451dn", "LC51C", "dv7-1211ea") matches where the accessory also names
  the product's series word, if it has one ("Photosmart M525" is no "LaserJet M525");
- a code of digits only ("1320" in "HP LaserJet 1160/1320") matches only where the accessory's list also
  names the product's series word (the word before the number in the product's model, "laserjet");
- and the product's brand must appear on the accessory (its brand, title or list), so a Canon "BP-808"
  never fits a Samsung "BP-808".

For a device the answer is the accessories whose list names it ("fits your HP LaserJet 1320"); for an
accessory it is the devices of the catalog its list names. When the catalog names nothing, the answer
says so rather than guessing. ``related_types`` mines, from the same matches, which product types are
accessories of which (a notebook's: cases, batteries, power adapters), for the fallback search the tool
offers.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from retrieval.catalog.product import Product
from retrieval.filters import norm
from retrieval.search import Searcher

_TOKEN = re.compile(r"[a-z0-9]+(?:[-.][a-z0-9]+)*", re.I)
_UNIT = re.compile(r"^\d+(?:[.,]\d+)?(?:gb|mb|tb|kb|mhz|ghz|hz|cm|mm|m|w|kw|v|mah|ah|pcs?|ppm|dpi|g|kg|ml|l|in|x|"
                   r"p|k|bit|gbps|mbps|rpm|nm|db|lm|mp)$")
_WORDS = re.compile(r"[a-z]{3,}")


def compatibility_text(product: Product) -> str:
    """The product's list of models it fits ("" when the catalog gives none)."""
    return " ".join(str(v) for k, v in product.attributes.items() if "compatib" in k.lower())


def model_codes(text: str) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """((series word, code with letters and digits), (series word, number)) pairs of a model string, normalised;
    the series word is the word before the code ("" when none)."""
    strong: set[tuple[str, str]] = set()
    numbered: set[tuple[str, str]] = set()
    series = ""
    for raw in _TOKEN.findall(text.lower()):
        token = raw.replace("-", "").replace(".", "")
        if token.isalpha():
            if len(token) >= 3:
                series = token
            continue
        if _UNIT.match(raw) or _UNIT.match(token):
            continue
        if token.isdigit():
            if len(token) >= 3 and series:
                numbered.add((series, token))
        elif len(token) >= 4 and any(ch.isdigit() for ch in token):
            strong.add((series, token))
            stem = re.fullmatch(r"(\d{3,})[a-z]{1,3}", token)  # "1300n", "1320dn": variants of the 1300, 1320
            if stem and series:
                numbered.add((series, stem.group(1)))
    return strong, numbered


_FOR = re.compile(r"\b(?:for|fits|compatible with|to suit)\b", re.I)


def own_codes(product: Product) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """A product's own model codes: its model attribute, else its title before any "for ..." ("Cable kit for the
    PhotoShot M525" is not itself an M525)."""
    model = product.attributes.get("model")
    return model_codes(str(model) if model else _FOR.split(product.title, maxsplit=1)[0])


@dataclass(frozen=True)
class Fit:
    product_id: str
    reason: str      # "fits HP LaserJet 1320" / "takes HP 49A"
    strength: int    # how many of the codes matched


@dataclass
class CompatibilityIndex:
    """Model codes named on accessories -> those accessories (and what each names), for one catalog."""

    strong: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    numbers: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    words: dict[str, set[str]] = field(default_factory=dict)     # accessory -> words of its list, title and brand
    lists: dict[str, str] = field(default_factory=dict)          # accessory -> its compatibility text
    products: dict[str, Product] = field(default_factory=dict)
    mentions: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # code named in title/description

    @classmethod
    def build(cls, products: Iterable[Product]) -> CompatibilityIndex:
        index = cls()
        for p in products:
            index.products[p.id] = p
            own = {code for _, code in own_codes(p)[0]}
            for _, code in model_codes(f"{p.title} {p.description[:500]}")[0]:
                if code not in own:  # "Toner for C7100/C7300" names C7100; its own code is no mention
                    index.mentions[code].add(p.id)
            text = compatibility_text(p)
            if not text:
                continue
            strong, numbered = model_codes(text)
            for _, code in strong:
                index.strong[code].add(p.id)
            for _, number in numbered:
                index.numbers[number].add(p.id)
            index.lists[p.id] = text
            index.words[p.id] = set(_WORDS.findall(f"{text} {p.title} {p.brand or ''}".lower()))
        return index

    @property
    def has_data(self) -> bool:
        return bool(self.lists)

    def _brand_ok(self, device: Product, accessory_id: str) -> bool:
        if not device.brand:
            return True
        brand = norm(device.brand)
        accessory = self.products[accessory_id]
        return brand in self.words.get(accessory_id, set()) or (accessory.brand is not None
                                                                and norm(accessory.brand) == brand)

    def accessories_for(self, device: Product) -> list[Fit]:
        """Accessories whose compatibility list names this product, most codes matched first."""
        strong, numbered = own_codes(device)
        brand = norm(device.brand) if device.brand else ""
        hits: Counter[str] = Counter()
        for series, code in strong:  # "Photosmart M525" is no "LaserJet M525": the series must agree
            for pid in self.strong.get(code, ()):
                if not series or series == brand or series in self.words.get(pid, set()):
                    hits[pid] += 2
        for series, number in numbered:
            for pid in self.numbers.get(number, ()):
                if series in self.words.get(pid, set()):
                    hits[pid] += 1
        model = device.attributes.get("model") or device.title
        return [Fit(pid, f"fits {device.brand + ' ' if device.brand else ''}{model}".strip(), n)
                for pid, n in sorted(hits.items(), key=lambda kv: (-kv[1], kv[0]))
                if pid != device.id and self._brand_ok(device, pid)]

    def named_by_text(self, device: Product) -> list[Fit]:
        """Products whose title or description names this product's model code (compatibility lists not read):
        the fallback for catalogs without them, and what the evaluation scores against those lists."""
        strong, _ = own_codes(device)
        own = {code for _, code in strong}
        hits: Counter[str] = Counter()
        for series, code in strong:
            for pid in self.mentions.get(code, ()):
                other = self.products[pid]
                words = set(_WORDS.findall(f"{other.title} {other.description[:500]} {other.brand or ''}".lower()))
                if pid != device.id and (not series or series in words or norm(device.brand or "") in words) \
                        and not own & {c for _, c in own_codes(other)[0]}:
                    hits[pid] += 1
        model = device.attributes.get("model") or device.title
        return [Fit(pid, f"names {model} in its description", n)
                for pid, n in sorted(hits.items(), key=lambda kv: (-kv[1], kv[0])) if self._brand_ok(device, pid)
                or (device.brand and norm(device.brand) in self.products[pid].title.lower())]

    def devices_for(self, accessory: Product) -> list[Fit]:
        """The catalog's products that an accessory's compatibility list names."""
        if accessory.id not in self.lists:
            return []
        found = []
        for pid, product in self.products.items():
            if pid == accessory.id or pid in self.lists:
                continue
            fits = self.accessories_for(product)
            match = next((f for f in fits if f.product_id == accessory.id), None)
            if match is not None:
                found.append(Fit(pid, f"{accessory.title} fits it", match.strength))
        return sorted(found, key=lambda f: (-f.strength, f.product_id))

    def related_types(self, kind_of: dict[str, str | None], min_count: int = 3) -> dict[str, list[str]]:
        """Device type -> accessory types, most matched first, mined from every device's matches."""
        pairs: Counter[tuple[str, str]] = Counter()
        for pid, product in self.products.items():
            device_kind = kind_of.get(pid)
            if device_kind is None or pid in self.lists:
                continue
            for fit in self.accessories_for(product):
                accessory_kind = kind_of.get(fit.product_id)
                if accessory_kind and accessory_kind != device_kind:
                    pairs[(device_kind, accessory_kind)] += 1
        related: dict[str, list[str]] = defaultdict(list)
        for (device_kind, accessory_kind), n in pairs.most_common():
            if n >= min_count:
                related[device_kind].append(accessory_kind)
        return dict(related)


def bought_together(carts: Iterable[tuple[str, str]], product_id: str, min_shoppers: int = 2) -> list[Fit]:
    """Products other shoppers put in their cart with this one ((shopper, product) pairs; co-occurrence once
    there is traffic), those of at least ``min_shoppers`` shoppers, most shared first."""
    by_shopper: dict[str, set[str]] = defaultdict(set)
    for shopper, pid in carts:
        by_shopper[shopper].add(pid)
    counts: Counter[str] = Counter()
    for products in by_shopper.values():
        if product_id in products:
            counts.update(products - {product_id})
    return [Fit(pid, f"bought with it by {n} shoppers", n)
            for pid, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if n >= min_shoppers]


def compatibility_index(searcher: Searcher) -> tuple[CompatibilityIndex, dict[str, list[str]]]:
    """The index of one generation's compatibility lists and its mined type relations, built once per searcher
    (a rebuilt index is a new generation, so a new searcher and a new build)."""
    return searcher.derived("compatibility", _build)


def _build(searcher: Searcher) -> tuple[CompatibilityIndex, dict[str, list[str]]]:
    index = CompatibilityIndex.build(searcher.lexical.get_many(searcher.lexical.all_ids()).values())
    related = index.related_types(searcher.product_types(list(index.products))) if index.has_data else {}
    return index, related
