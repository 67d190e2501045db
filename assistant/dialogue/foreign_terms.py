"""Shopping words in Spanish, French, German, Italian and Portuguese, read as English search words.

The catalogs and the encoder are English and the 135M model reads other languages poorly, so a
message that names a product in one of these languages ("¿tienen auriculares inalámbricos?") is
searched for with the English words this small lexicon gives, and the reply says what was searched.
Only product types, colours and a few common qualities are translated; anything else is left out.
"""

from __future__ import annotations

import re
import unicodedata

from retrieval.product_types import ProductTypes

# foreign word or phrase (accents folded, lower case) -> English
TERMS: dict[str, str] = {
    # Spanish
    "auriculares": "headphones", "cascos": "headphones", "audifonos": "headphones", "altavoz": "speaker",
    "altavoces": "speakers", "bocina": "speaker", "parlante": "speaker", "portatil": "laptop",
    "ordenador portatil": "laptop", "computadora portatil": "laptop", "portatiles": "laptops",
    "tableta": "tablet", "movil": "phone",
    "telefono": "phone", "celular": "phone", "camara": "camera", "raton": "mouse", "teclado": "keyboard",
    "impresora": "printer", "televisor": "tv", "television": "tv", "monitor": "monitor",
    "reloj inteligente": "smartwatch", "reloj": "watch", "mochila": "backpack", "chaqueta": "jacket",
    "zapatillas": "shoes", "cafetera": "coffee maker", "aspiradora": "vacuum cleaner", "licuadora": "blender",
    "enrutador": "router", "cargador": "charger", "funda": "case", "cable": "cable", "bateria": "battery",
    "rojo": "red", "roja": "red", "negro": "black", "negra": "black", "blanco": "white", "blanca": "white",
    "azul": "blue", "verde": "green", "gris": "grey", "rosa": "pink", "inalambrico": "wireless",
    "inalambricos": "wireless", "inalambricas": "wireless", "barato": "cheap", "baratos": "cheap",
    "silencioso": "quiet", "resistente al agua": "waterproof", "impermeable": "waterproof",
    # French
    "casque": "headphones", "ecouteurs": "earbuds", "enceinte": "speaker", "haut-parleur": "speaker",
    "ordinateur portable": "laptop", "tablette": "tablet", "telephone": "phone",
    "appareil photo": "camera", "souris": "mouse", "clavier": "keyboard", "imprimante": "printer",
    "televiseur": "tv", "ecran": "monitor", "montre connectee": "smartwatch", "montre": "watch",
    "sac a dos": "backpack", "veste": "jacket", "chaussures": "shoes", "cafetiere": "coffee maker",
    "aspirateur": "vacuum cleaner", "mixeur": "blender", "routeur": "router", "chargeur": "charger",
    "etui": "case", "rouge": "red", "noir": "black", "noire": "black", "blanc": "white", "blanche": "white",
    "bleu": "blue", "bleue": "blue", "vert": "green", "sans fil": "wireless", "pas cher": "cheap",
    # German
    "kopfhorer": "headphones", "lautsprecher": "speaker", "handy": "phone",
    "kamera": "camera", "maus": "mouse", "tastatur": "keyboard", "drucker": "printer", "fernseher": "tv",
    "bildschirm": "monitor", "uhr": "watch", "rucksack": "backpack", "jacke": "jacket", "schuhe": "shoes",
    "kaffeemaschine": "coffee maker", "staubsauger": "vacuum cleaner", "mixer": "blender",
    "ladegerat": "charger", "hulle": "case", "rot": "red", "rote": "red", "schwarz": "black",
    "schwarze": "black", "weiss": "white", "blau": "blue", "grun": "green", "kabellos": "wireless",
    "kabellose": "wireless", "gunstig": "cheap", "wasserdicht": "waterproof", "leise": "quiet",
    # Italian
    "cuffie": "headphones", "auricolari": "earbuds", "cassa": "speaker", "portatile": "laptop",
    "fotocamera": "camera", "stampante": "printer", "tastiera": "keyboard", "zaino": "backpack",
    "giacca": "jacket", "scarpe": "shoes", "nero": "black", "bianco": "white", "rosso": "red",
    "senza fili": "wireless", "economico": "cheap",
    # Portuguese
    "fones de ouvido": "headphones", "fone de ouvido": "headphones", "caixa de som": "speaker",
    "notebook portatil": "laptop", "celulares": "phones", "impressora": "printer", "mochilas": "backpacks",
    "tenis": "shoes", "preto": "black", "branco": "white", "vermelho": "red", "sem fio": "wireless",
}
_LONGEST = max(len(k.split()) for k in TERMS)
# words that mark a message as Spanish, French, German, Italian or Portuguese (never English words)
_FUNCTION_WORDS = frozenset(
    "tienen tiene quiero busco necesito hay unos unas una los las para con algo je cherche voudrais avez des une "
    "pour avec ich suche brauche habt haben sie eine einen fur mit cerco vorrei avete per quero procuro voces "
    "uma com tem".split())


def fold(text: str) -> str:
    """Lower case without accents ("Kopfhörer" -> "kopfhorer", "inalámbricos" -> "inalambricos")."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("ß", "ss")


def english_query(text: str) -> str | None:
    """The English words for the shopping terms in a foreign-language message, in its order; None when
    it names none (the message is English, or names nothing this lexicon knows)."""
    words = re.findall(r"[a-z0-9-]+", fold(text))
    found: list[str] = []
    i = 0
    while i < len(words):
        for n in range(min(_LONGEST, len(words) - i), 0, -1):
            english = TERMS.get(" ".join(words[i:i + n]))
            if english is not None:
                if english not in found:
                    found.append(english)
                i += n
                break
        else:
            i += 1
    return " ".join(_qualities_first(found)) if found else None


def foreign_search(text: str, types: ProductTypes) -> str | None:
    """English search words for a non-English message that names a kind of product, else None."""
    if types.of_text(text) is not None:
        return None
    folded = re.findall(r"[a-z]+", fold(text))
    foreign = any(not ch.isascii() for ch in text if ch.isalpha()) or "¿" in text or "¡" in text \
        or any(w in _FUNCTION_WORDS for w in folded)
    if not foreign:
        return None
    words = english_query(text)
    return words if words and types.of_text(words) is not None else None


def _qualities_first(words: list[str]) -> list[str]:
    """English order: "auriculares inalámbricos" -> "wireless headphones"."""
    qualities = {"wireless", "cheap", "quiet", "waterproof", "red", "black", "white", "blue", "green", "grey",
                 "pink"}
    return [w for w in words if w in qualities] + [w for w in words if w not in qualities]
