"""What kind of product a request asks for, and what kind a catalog product is.

One lexicon serves both sides, so "tablet" is kept across "cheaper" and "in black", a request for
another kind of product starts a new search, and a search for tablets does not show tablet stands.

A product's type is read from its category path when it has one (the demo catalog), else from its
title, else from the first words of its description ("564 Magenta Ink Cartridge": the title "HP 564 Magenta
Original 1 pc(s)" names no type). Titles name accessories both ways round ("Targus tablet stand",
"screen protector Mobile phone/Smartphone", "Kensington laptop lock"), so when a text names an accessory or
consumable type (stand, case, cable, toner, ...) beside a device type, the accessory wins, and of several
accessories the last one named: English puts the head of a compound last ("cable splitter" is a splitter,
"lens adapter" an adapter, "fan power extension cable" a cable). A text that names devices only is about the
head of the first compound it names ("all-in-one printer" is a printer, "notebook headset" a headset).
Nothing after "for"/"with"/"compatible" counts ("case for iPhone", "camera with lens"), nor a type right after a
negation ("camera without a lens" is a camera). Products whose text
names no known type are never excluded by type: the lexicon narrows, it does not guess.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from retrieval.catalog.product import Product

# canonical type -> the words and phrases that name it (singular; plurals are matched by singularising)
LEXICON: dict[str, tuple[str, ...]] = {
    "speaker": ("speaker", "loudspeaker", "bluetooth speaker", "soundbar", "sound bar", "boombox"),
    "headphones": ("headphone", "headset", "earphone", "earbud", "ear bud", "in-ear monitor", "airpod"),
    "laptop": ("laptop", "notebook", "notebook pc", "chromebook", "ultrabook", "macbook", "netbook", "mini-note",
               "mobile workstation"),
    "tablet": ("tablet", "ipad", "tablet pc", "kindle fire", "fire tablet", "fire hd"),
    "phone": ("phone", "smartphone", "mobile phone", "cell phone", "cellphone", "iphone"),
    "smartwatch": ("smartwatch", "smart watch", "watch", "fitness tracker"),
    "tv": ("tv", "television", "smart tv"),
    "monitor": ("monitor", "computer monitor", "gaming monitor"),
    "camera": ("camera", "digital camera", "camcorder", "dslr", "mirrorless camera", "action camera"),
    "webcam": ("webcam", "web camera"),
    "keyboard": ("keyboard",),
    "mouse": ("mouse", "mice"),
    "printer": ("printer", "multifunction printer", "mfp", "multifunctional", "inkjet", "inkjet printer",
                "laser printer", "laserjet", "all-in-one printer"),
    "scanner": ("scanner",),
    "projector": ("projector",),
    "projection screen": ("projection screen", "projector screen"),
    "router": ("router", "wi-fi router", "wifi router", "mesh system", "modem"),
    "network switch": ("switch", "network switch", "kvm switch"),
    "access point": ("access point",),
    "toner": ("toner", "toner cartridge"),
    "ink": ("ink", "ink cartridge", "ink tank"),
    "ribbon": ("ribbon", "printer ribbon", "fax ribbon", "typewriter ribbon"),
    "drum": ("drum", "drum unit", "imaging drum", "imaging unit"),
    "paper": ("paper", "photo paper", "large format media", "printing film", "transparency film"),
    "labels": ("label", "label tape", "label-making tape"),
    "cable": ("cable", "cord", "patch cable", "patch cord", "power cord", "extension cord"),
    "adapter": ("adapter", "converter", "splitter", "hub", "usb hub"),
    "charger": ("charger", "charging station", "wireless charger"),
    "power supply": ("power supply", "psu", "power adapter"),
    "ups": ("ups", "uninterruptible power supply"),
    "pdu": ("pdu", "power distribution unit", "surge protector", "surge suppressor", "power strip", "power extension"),
    "battery": ("battery", "power bank", "li-ion", "lithium-ion", "ni-mh", "rechargeable battery"),
    "case": ("case", "cover", "sleeve", "folio", "skin", "computer case", "pc case", "midi tower", "mid tower",
             "full tower"),
    "bag": ("bag", "briefcase", "carrying case", "messenger bag"),
    "backpack": ("backpack", "rucksack", "daypack"),
    "screen protector": ("screen protector", "protector", "tempered glass"),
    "stand": ("stand", "holder", "riser"),
    "lock": ("lock", "cable lock", "security lock", "microsaver"),
    "privacy filter": ("privacy filter", "privacy screen", "display privacy filter", "filter"),
    "stylus": ("stylus", "stylus pen", "digital pen"),
    "mount": ("mount", "bracket", "wall mount", "monitor arm", "tv mount", "mounting arm", "mounting kit"),
    "dock": ("dock", "docking station", "port replicator"),
    "rack": ("rack", "rack accessory", "cabinet"),
    "memory": ("memory module", "ram", "memory"),
    "memory card": ("memory card", "sd card", "microsd card", "micro sd card", "flash memory card", "sdhc card",
                    "sdxc card", "micro sdhc card", "micro sdxc card", "microsdhc card", "microsdxc card",
                    "compactflash card", "cf card"),
    "flash drive": ("flash drive", "usb flash drive", "usb stick", "thumb drive", "pen drive"),
    "ssd": ("ssd", "solid state drive"),
    "hard drive": ("hard drive", "hdd", "hard disk", "external hard drive"),
    "processor": ("processor", "cpu"),
    "motherboard": ("motherboard", "mainboard", "desktop board", "server board", "workstation board", "system board"),
    "graphics card": ("graphics card", "video card", "gpu"),
    "fan": ("fan", "cooler", "cooling fan", "cooling component", "heatsink", "heat sink", "radiator"),
    "microphone": ("microphone", "mic"),
    "remote control": ("remote control",),
    "lens": ("lens", "camera lens"),
    "tripod": ("tripod",),
    "lamp": ("lamp", "projector lamp", "bulb"),
    "server": ("server",),
    "desktop": ("desktop", "desktop pc", "desktop computer", "all-in-one", "workstation", "mini pc", "pc", "computer",
                "gaming pc", "tower pc", "minitower", "microtower", "small form factor", "sff",
                "usff", "nettop"),
    "pda": ("pda", "handheld computer", "mobile computer", "pocket pc"),
    "tool kit": ("tool kit", "toolkit", "tool set", "repair kit"),
    # not "warranty" alone: "is there a warranty on these" asks the shop's policy, not for a product
    "service plan": ("warranty extension", "support extension", "care pack", "hw support", "extended warranty",
                     "protection plan", "warranty upgrade", "service warranty", "service pack"),
    "coffee maker": ("coffee maker", "coffee machine", "espresso machine", "french press", "pod machine",
                     "espresso maker", "cafetiere", "coffee brewer", "bean-to-cup machine"),
    "vacuum": ("vacuum", "vacuum cleaner", "robot vacuum", "hoover"),
    "blender": ("blender", "smoothie maker"),
    "jacket": ("jacket", "coat", "parka"),
    "shoes": ("shoe", "running shoe", "sneaker", "trainer"),
    "console": ("console", "game console", "gaming console"),
    "e-reader": ("e-reader", "ereader", "kindle"),
    "drone": ("drone",),
    "radio": ("radio", "clock radio", "dab radio", "radio receiver"),
    "media player": ("media player", "cd player", "mp3 player", "mp4 player", "dvd player", "blu-ray player",
                     "music player", "disc player", "blu-ray disc player", "micro system", "micro music system",
                     "soundmachine"),
    "housing": ("housing", "camera housing", "underwater housing", "underwater case", "dive housing"),
    "calculator": ("calculator", "scientific calculator", "graphing calculator"),
    "card reader": ("card reader", "memory card reader"),
    "network card": ("network card", "network interface card", "nic", "ethernet card", "networking card"),
    "spare part": ("spare part", "roller", "roller kit", "maintenance kit", "consumable kit", "fuser", "printhead",
                   "print head", "duplex unit"),
    "optical drive": ("optical drive", "optical disc drive", "cd drive", "dvd drive", "blu-ray drive", "bd drive",
                      "cd-rom drive", "dvd-rom drive", "combo drive", "dvd writer", "dvd burner", "cd burner",
                      "dvd-rw drive", "cd-rw drive", "dvd+rw drive", "disc drive"),
    "optical disc": ("cd-r", "cd-rw", "dvd-r", "dvd-rw", "dvd+r", "dvd+rw", "dvd-ram", "blank disc", "blank dvd",
                     "blank cd"),
    "wrist rest": ("wrist rest", "mouse pad", "mousepad", "mouse mat", "wrist pillow"),
    "puzzle": ("puzzle", "jigsaw puzzle", "jigsaw"),
    "computer desk": ("standing desk", "writing desk", "office desk", "gaming desk", "lap desk", "pc desk"),
    "chair": ("chair", "office chair", "gaming chair", "desk chair"),
    "software": ("software", "pc download", "digital download", "video game", "pc game", "antivirus"),
}

# what goes with or into a device: named beside a device type, these decide what a product is
ACCESSORIES = frozenset({"toner", "ink", "drum", "paper", "labels", "cable", "adapter", "charger", "power supply",
    "battery", "case", "bag", "backpack", "screen protector", "stand", "lock", "privacy filter", "stylus", "mount",
    "dock", "rack", "fan", "remote control", "lens", "tripod", "lamp", "projection screen", "ribbon", "service plan",
    "optical drive", "memory card", "housing", "spare part", "optical disc", "wrist rest"})
# a computer's spec line names its parts before the machine ("Core i7 16 GB DDR4 512 GB SSD Tower Black PC",
# "... DVD+/-RW ... Notebook PC"): beside a computer, these are what it has, not what it is
COMPUTERS = frozenset({"desktop", "laptop", "tablet", "server"})
COMPONENTS = frozenset({"processor", "memory", "hard drive", "ssd", "optical disc", "optical drive", "graphics card"})
# words that name a computer only when nothing else is named: "PC headset", "compact PC ... keyboard" and "computer
# case cooler" are not computers
WEAK = frozenset({("pc",), ("computer",)})
_STOP = frozenset({"for", "with", "compatible", "fits", "fit", "incl", "including"})
# what a shopper excludes with ("knife set without block", "camera, no lens"); shared with the negation stage of search
# (``retrieval/negation.py``) so that the type a query asks for and the words it excludes are read alike
NEGATION_CUES = frozenset({"without", "no", "not", "sans", "minus", "except", "excluding"})
NEGATION_SKIP = frozenset({"a", "an", "the", "any", "your", "my", "our", "their", "its"})
NEGATION_JOIN = frozenset({"with", "and", "or", "for", "in", "on", "to", "of", "but", "that", "which", "from", "by",
                           "at", "is"})
NEGATED_WORDS = 2  # "without c wire", "no glass beads": one or two words
_WITHOUT = re.compile(r"(?<![a-z0-9])w/o(?![a-z0-9])")
# "SlimShell f/ iPhone 3G", "Case Fan w/ LP4 Connector": catalog shorthand for "for" and "with", written before a
# space (not "F/UTP", "w/MCCB", "f/ 1.8" or "65 W/ 90 W")
_FOR_WITH = re.compile(r"(?<![a-z0-9])f/(?= [a-z])|(?<![a-z0-9])(?<!\d )w/(?= [a-z0-9])")
# "1 pc(s)", "100 pcs", "5pc": pieces, not a personal computer ("Inspiron 3020 PC", "2-in-1 PC" are computers)
_PIECES = re.compile(r"(?<![a-z0-9])pc\(s\)|(?<![a-z0-9.\-])(\d+)(?: pcs|pcs?)(?![a-z0-9(])")
# "shopping for a vacuum": a "for" after these words leads in to the product, it does not start a purpose
_LEAD_IN_FOR = frozenset({"shopping", "looking", "searching", "hunting", "market", "browsing", "shop", "look", "search",
                          "recommendation", "suggestion", "idea", "option", "pick", "rec"})
_NOT_PLURAL = frozenset({"yes", "has", "was", "its", "his", "this", "us", "is", "as",
                         "lens", "bus", "series", "glass", "access", "wireless", "less", "stainless", "gps", "ups",
                         "chassis", "news", "status", "plus", "various", "canvas", "citrus", "express"})
_TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s|\n")
_LEAD_WORDS = 8


def singular(word: str) -> str:
    """A plural word's singular form, by the few rules shop words need ("batteries", "watches", "mice")."""
    if word in _NOT_PLURAL or len(word) <= 2:
        return word
    if word == "mice":
        return "mouse"
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def description_lead(description: str) -> str:
    """The first words of a description's first sentence, where catalogs say what a product is ("564 Magenta Ink
    Cartridge"); further on, descriptions list parts and uses ("... 1000GB HDD, 512GB SSD")."""
    first = _SENTENCE_END.split(description.strip(), maxsplit=1)[0]
    return " ".join(first.split()[:_LEAD_WORDS])


def without_brand(product: Product) -> str:
    """The title without the brand it starts with: a brand is not a type ("Cooler Master ... keyboard", "Case Logic
    ... backpack", "Monster Cable ... headphones")."""
    title, brand = product.title, (product.brand or "").strip()
    if brand and title[:len(brand)].lower() == brand.lower() and title[len(brand):len(brand) + 1] in ("", " "):
        return title[len(brand):].strip()
    return title


def spelt_out(text: str) -> str:
    """Lower case, Unicode compatibility forms folded ("Ｗ／Ｏ" -> "w/o"), "w/o" spelt "without", "f/" and "w/"
    "for" and "with", and pieces ("1 pc(s)") spelt out."""
    text = _WITHOUT.sub(" without ", unicodedata.normalize("NFKC", text).lower())
    text = _FOR_WITH.sub(lambda m: " for " if m.group(0) == "f/" else " with ", text)
    return _PIECES.sub(lambda m: f"{m.group(1) or ''} pieces", text)


def tokens(text: str) -> list[str]:
    return [t if t in NEGATION_CUES else singular(t) for t in _TOKEN.findall(spelt_out(text))]


def negated_span(words: list[str], i: int) -> tuple[int, int]:
    """The words a negation cue at ``words[i]`` negates, as (start, end): up to two words after any determiner,
    ending at a joining word or another cue ("lights without wiring with switch": "wiring")."""
    start = i + 1
    while start < len(words) and words[start] in NEGATION_SKIP:
        start += 1
    end = start
    while end < len(words) and end - start < NEGATED_WORDS and words[end] not in NEGATION_JOIN \
            and words[end] not in NEGATION_CUES:
        end += 1
    return start, end


def reading_end(words: list[str]) -> int:
    """Where a text stops naming what it is: the first "for"/"with"/"compatible" (not "shopping for")."""
    for i, word in enumerate(words):
        if word in _STOP and not (word == "for" and i and words[i - 1] in _LEAD_IN_FOR):
            return i
    return len(words)


def _machine(found: list[tuple[int, int, str]], words: list[str]) -> str | None:
    """The computer a text of computers and computer parts only is about: the first computer named that does not
    qualify the phrase right after it ("laptop memory" and "PC RAM module" are memory). A weak word counts only
    after a part, as a spec line ends ("... 512 GB SSD SFF Black PC"), not before one ("my pc needs an ssd")."""
    for i, (start, end, kind) in enumerate(found):
        if kind not in COMPUTERS or (i + 1 < len(found) and found[i + 1][0] == end):
            continue
        if tuple(words[start:end]) not in WEAK or any(k in COMPONENTS for _, _, k in found[:i]):
            return kind
    return None


@dataclass(frozen=True)
class ProductTypes:
    """The product-type lexicon: which phrases name which type, matched on singularised words."""

    phrases: dict[tuple[str, ...], str] = field(default_factory=dict)
    longest: int = 1

    @classmethod
    def from_lexicon(cls, lexicon: dict[str, tuple[str, ...]]) -> ProductTypes:
        phrases: dict[tuple[str, ...], str] = {}
        for kind, names in lexicon.items():
            for name in (kind, *names):
                phrases[tuple(tokens(name))] = kind
        return cls(phrases, max(len(p) for p in phrases))

    def _match_at(self, words: list[str], i: int) -> tuple[int, str] | None:
        """The longest lexicon phrase starting at word ``i``: (its end, its type)."""
        for n in range(min(self.longest, len(words) - i), 0, -1):
            kind = self.phrases.get(tuple(words[i:i + n]))
            if kind is not None:
                return i + n, kind
        return None

    def spans(self, text: str | None, weak: bool = True) -> list[tuple[int, int, str]]:
        """The lexicon phrases a text names, in order, up to the first "for"/"with"/"compatible": (first word,
        end, type) each. Without ``weak``, the words in ``WEAK`` name nothing."""
        return self._spans(tokens(text or ""), weak)

    def _spans(self, words: list[str], weak: bool = True) -> list[tuple[int, int, str]]:
        found, i, stop = [], 0, reading_end(words)
        while i < stop:
            if words[i] in NEGATION_CUES:  # "camera without a (zoom) lens": a type negated is not what is asked for
                start, end = negated_span(words, i)
                k = start
                while k < end:  # a type phrase that starts among the negated words is skipped whole
                    match = self._match_at(words, k)
                    k = match[0] if match else k + 1
                i = max(end, k, i + 1)
                continue
            match = self._match_at(words, i)
            if match is None:
                i += 1
                continue
            if weak or tuple(words[i:match[0]]) not in WEAK:
                found.append((i, *match))
            i = match[0]
        return found

    def named(self, text: str | None) -> list[str]:
        """The types a text names, in order, up to the first "for"/"with"/"compatible"."""
        return [kind for _, _, kind in self.spans(text)]

    def words(self) -> frozenset[str]:
        """Every word of the lexicon's phrases ("sound", "bar", "earbud"): words a shopper's typo may mean."""
        return frozenset(w for phrase in self.phrases for w in phrase if w.isalpha())

    def of_text(self, text: str | None, weak: bool = True) -> str | None:
        """The type a text is about: the computer of a computer's spec line, else the last accessory it names, else
        the head (last word) of the first run of device names ("all-in-one printer"). Words in ``WEAK`` count
        only if ``weak``."""
        words = tokens(text or "")
        found = self._spans(words, weak)
        if all(kind in COMPUTERS or kind in COMPONENTS for _, _, kind in found):
            machine = _machine(found, words)
            if machine is not None:
                return machine
        # otherwise a weak word names the product only alone and as the text's last word ("gaming pc"), not as the
        # first word of a name the lexicon does not know ("Computer Jumper Caps", "PC Mounting Screws")
        found = [span for span in found if tuple(words[span[0]:span[1]]) not in WEAK
                 or (len(found) == 1 and span[1] == reading_end(words))]
        accessory = next((kind for _, _, kind in reversed(found) if kind in ACCESSORIES), None)
        if accessory is not None or not found:
            return accessory
        head = 0
        while head + 1 < len(found) and found[head + 1][0] == found[head][1]:
            head += 1
        return found[head][2]

    def _readings(self, product: Product) -> list[tuple[str, bool, str | None]]:
        """The texts a product's type is read from, in order of trust, each with whether the words in ``WEAK`` count
        there and the type it reads as: its category path (last level first), its title, and, when neither names a
        type, the start of its description. Weak words count only in the title: Icecat files notebooks under "PC",
        and descriptions say what a product works with ("connect your computer")."""
        texts = (*((level, False) for level in reversed(product.category)), (without_brand(product), True))
        readings = [(text, weak, self.of_text(text, weak)) for text, weak in texts]
        if all(kind is None for _, _, kind in readings):
            lead = description_lead(product.description)
            readings.append((lead, False, self.of_text(lead, False)))
        return readings

    def reading(self, product: Product) -> tuple[str | None, tuple[str, ...]]:
        """The product's type (``of_product``) and every type its texts name (``named_in_product``), read once."""
        readings = self._readings(product)
        return (next((kind for _, _, kind in readings if kind is not None), None),
                tuple(kind for text, weak, _ in readings for _, _, kind in self.spans(text, weak)))

    def of_product(self, product: Product) -> str | None:
        return next((kind for _, _, kind in self._readings(product) if kind is not None), None)

    def named_in_product(self, product: Product) -> list[str]:
        """Every type the texts the product's type is read from name (up to "for"/"with" in each)."""
        return list(self.reading(product)[1])

    def fit(self, kind: str | None, named: list[str] | tuple[str, ...], wanted: str | None) -> bool | None:
        """Does a product (its type ``kind``, every type its text ``named``) fit a request for ``wanted``?

        True: it is of that type, or the request is for an accessory or consumable and the product names it
        ("notebook case ... backpack" is a backpack; "micro SD card + adapter" is a memory card).
        False: it is of another known type. None: nothing to go by (no request type, or an untyped product)."""
        if wanted is None or kind is None:
            return None
        if kind == wanted or (wanted in ACCESSORIES and wanted in named):
            return True
        return False

    def matches(self, product: Product, wanted: str | None) -> bool:
        """Is the product of the wanted type? Untyped requests and untyped products always match."""
        return self.fit(*self.reading(product), wanted) is not False



PRODUCT_TYPES = ProductTypes.from_lexicon(LEXICON)


def type_names(kind: str, types: ProductTypes = PRODUCT_TYPES) -> list[str]:
    """The lexicon's names for a type that read back as that type ("headset", "headphones" for headphones)."""
    return [name for name in (kind, *LEXICON.get(kind, ())) if types.of_text(name) == kind]
