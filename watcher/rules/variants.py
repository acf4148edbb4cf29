"""Spellings a topic term should also match: British/American forms and inflections.

Analysts write a term once ("defence cooperation", "sanction"); the forms
generated here become further keys of the matching automaton. Every form is
spelled out explicitly, never as a pattern: the automaton matches whole words
only, so "sanction" -> "sanctions", "sanctioned", "sanctioning" can never
match "sanctity".

Two kinds of rules:

* spelling (:func:`spelling_variants`): allow-lists of word families whose
  British and American forms differ (-our/-or, -re/-er, -ence/-ense,
  -ogue/-og, -lled/-led and a few single words), and two suffix rules
  (-ise/-ize, -yse/-yze) kept off ordinary words such as "promise" and
  "size" by an exception list and a minimum stem length;
* inflection (:func:`inflections`): plural/third person, past and gerund of
  the last word, with the usual English spelling changes.

Input terms are normalised, lower-case words separated by single spaces.
Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice, product

__all__ = ["MAX_COMBINATIONS", "Variant", "expand_term", "inflections", "spelling_variants"]

# Spelling alternatives of a multi-word term multiply; the term itself counts
# as one of the combinations, so a term yields at most 15 spelling variants.
MAX_COMBINATIONS = 16


@dataclass(frozen=True, slots=True)
class Variant:
    """A generated form of a term, with the reason shown by ``match --explain``."""

    text: str
    how: str


_VOWELS = frozenset("aeiou")
_LETTERS = re.compile(r"[a-z]+")
# Words and the separators between them; hyphenated compounds are respelled
# part by part ("self-organising" -> "self-organizing").
_SEPARATORS = re.compile(r"([ -])")


def _words(text: str) -> tuple[str, ...]:
    """A word list written as one string, so long allow-lists stay short to read."""
    return tuple(text.split())


# ---------------------------------------------------------------- spelling

# Prefixes that keep a word inside its family: "dishonour", "unlabelled".
_FAMILY_PREFIXES = ("dis", "mis", "un", "re")

# -our/-or: only these stems. A blind suffix rule would turn "four", "hour",
# "tour" or "contour" into nonsense. Every stem takes _OUR_SUFFIXES; some
# take more. Derived words spelled alike in both ("honorary", "humorous",
# "laborious", "vigorous") are absent on purpose.
_OUR_SUFFIXES = ("", "s", "ed", "ing", "er", "ers")
_OUR_STEMS: dict[str, tuple[str, ...]] = {
    "ardour": (),
    "armour": ("y", "ies"),
    "behaviour": ("al", "ally", "ism", "ist", "ists"),
    "candour": (),
    "clamour": (),
    "colour": ("ful", "fully", "less", "ist", "ists"),
    "demeanour": (),
    "endeavour": (),
    "favour": ("able", "ably", "ite", "ites", "itism"),
    "fervour": (),
    "flavour": ("ful", "less", "some"),
    "harbour": (),
    "honour": ("able", "ably"),
    "humour": ("less",),
    "labour": ("ite", "ites"),
    "neighbour": ("hood", "hoods", "ly", "liness"),
    "odour": ("less",),
    "parlour": (),
    "rancour": (),
    "rigour": (),
    "rumour": (),
    "saviour": (),
    "savour": ("y", "ies"),
    "splendour": (),
    "succour": (),
    "tumour": (),
    "valour": (),
    "vapour": (),
    "vigour": (),
}

# British words ending in a silent e (-re, -ogue) and their American forms.
# Not "genre", "acre", "massacre", "mediocre", "ogre": spelled alike.
_SILENT_E: dict[str, str] = {
    "calibre": "caliber",
    "catalogue": "catalog",
    "centimetre": "centimeter",
    "centre": "center",
    "analogue": "analog",
    "dialogue": "dialog",
    "epicentre": "epicenter",
    "fibre": "fiber",
    "goitre": "goiter",
    "kilometre": "kilometer",
    "litre": "liter",
    "lustre": "luster",
    "manoeuvre": "maneuver",
    "meagre": "meager",
    "metre": "meter",
    "millilitre": "milliliter",
    "millimetre": "millimeter",
    "mitre": "miter",
    "sabre": "saber",
    "sceptre": "scepter",
    "sombre": "somber",
    "spectre": "specter",
    "theatre": "theater",
}

# -ence/-ense nouns. "licensed" and "licensing" are spelled alike, so only
# the noun forms are paired.
_ENCE = ("defence", "offence", "licence", "pretence")

# Verbs whose final l doubles in British spelling only (travelled/traveled).
# Derived words spelled alike ("cancellation") are not generated.
_DOUBLE_L = _words(
    "barrel bevel cancel channel chisel counsel dial duel enamel equal fuel funnel gravel "
    "grovel initial jewel label level libel marshal marvel model panel parcel pedal "
    "pencil quarrel refuel revel rival shovel signal snorkel spiral stencil swivel total "
    "travel tunnel unravel yodel"
)

# Single words, (British, American). Not cheque/check or tyre/tire: the
# American form is a common word of its own.
_IRREGULAR = (
    ("aluminium", "aluminum"),
    ("programme", "program"),
    ("programmes", "programs"),
    ("grey", "gray"),
    ("greys", "grays"),
    ("greyed", "grayed"),
    ("greying", "graying"),
    ("greyer", "grayer"),
    ("greyest", "grayest"),
    ("greyish", "grayish"),
    ("counsellor", "counselor"),
    ("counsellors", "counselors"),
    ("jewellery", "jewelry"),
    ("marvellous", "marvelous"),
    ("medallist", "medalist"),
    ("medallists", "medalists"),
    ("panellist", "panelist"),
    ("panellists", "panelists"),
    ("enrol", "enroll"),
    ("enrols", "enrolls"),
    ("enrolment", "enrollment"),
    ("enrolments", "enrollments"),
    ("fulfil", "fulfill"),
    ("fulfils", "fulfills"),
    ("fulfilment", "fulfillment"),
    ("instil", "instill"),
    ("instils", "instills"),
    ("distil", "distill"),
    ("distils", "distills"),
    ("skilful", "skillful"),
    ("wilful", "willful"),
    ("judgement", "judgment"),
    ("judgements", "judgments"),
    ("sulphur", "sulfur"),
    ("sulphuric", "sulfuric"),
    ("sulphate", "sulfate"),
    ("sulphates", "sulfates"),
)


def _table_pairs() -> Iterator[tuple[str, str]]:
    """Every (British, American) word form of the allow-lists above."""
    for stem, extra in _OUR_STEMS.items():
        american = stem[:-2] + "r"
        for suffix in (*_OUR_SUFFIXES, *extra):
            yield stem + suffix, american + suffix
    for british, american in _SILENT_E.items():
        yield british, american
        yield british + "s", american + "s"
        yield british + "d", american + "ed"
        yield british[:-1] + "ing", american + "ing"
    for british in _ENCE:
        american = british[:-2] + "se"
        for suffix in ("", "s", "less"):
            yield british + suffix, american + suffix
    for verb in _DOUBLE_L:
        for suffix in ("ed", "ing", "er", "ers"):
            yield verb + "l" + suffix, verb + suffix
    yield from _IRREGULAR


def _build_pairs(pairs: Iterable[tuple[str, str]]) -> dict[str, tuple[str, bool]]:
    """Map every form to (its counterpart, whether the form is British)."""
    table: dict[str, tuple[str, bool]] = {}
    for british, american in pairs:
        for form, entry in ((british, (american, True)), (american, (british, False))):
            if table.setdefault(form, entry) != entry:
                raise ValueError(f"spelling tables disagree about {form!r}")
    return table


_PAIRS = _build_pairs(_table_pairs())

# -ise/-ize: stem, the letter s or z, and an ending of the verb family.
_ISE_IZE = re.compile(
    r"(?P<stem>[a-z]{3,})i(?P<letter>[sz])"
    r"(?P<ending>e|es|ed|ing|er|ers|able|ation|ations|ational)"
)
# -yse/-yze: analyse, paralyse, catalyse, dialyse, electrolyse.
_YSE_YZE = re.compile(r"(?P<stem>[a-z]{2,}l)y(?P<letter>[sz])(?P<ending>e|es|ed|ing|er|ers|able)")

# Words that end in -ise in both spellings. A stem of at least three letters
# (see _ISE_IZE) already spares "rise", "wise", "arise", "anise", "crises";
# a vowel before -ise spares "noise", "raise", "praise", "cruise", "poise",
# "disguise", and before -ize "seize", "maize".
_ISE_KEPT = frozenset(
    _words(
        "advertise arise anise cerise chastise chemise circumcise compromise concise demise "
        "despise excise exercise expertise incise merchandise moonrise mortise paradise "
        "precise premise promise remise rise sunrise surmise treatise uprise valise"
    )
)
# Endings that never make an -ize verb: otherwise, advise, revise, supervise,
# televise, improvise, surprise, comprise, enterprise, reprise, franchise.
_ISE_KEPT_ENDINGS = ("wise", "vise", "prise", "chise")
# Words that end in -ize in both spellings.
_IZE_KEPT = frozenset(
    _words(
        "assize bitesize capsize downsize midsize outsize oversize prize resize size "
        "supersize undersize upsize"
    )
)
# Prefixes stripped before the exception lists are consulted: "uncompromising",
# "unadvertised", "overexercised" stay as they are.
_KEPT_PREFIXES = ("un", "re", "pre", "mis", "dis", "over", "under", "self", "counter")


def _table_respelling(word: str) -> tuple[str, bool] | None:
    """The allow-listed counterpart of ``word`` (prefixed forms included)."""
    if word in _PAIRS:
        return _PAIRS[word]
    for prefix in _FAMILY_PREFIXES:
        if word.startswith(prefix) and (entry := _PAIRS.get(word[len(prefix) :])):
            other, british = entry
            return prefix + other, british
    return None


def _ise_is_kept(stem: str) -> bool:
    if stem[-1] in _VOWELS or (stem + "ise").endswith(_ISE_KEPT_ENDINGS):
        return True
    bare_stems = [stem] + [stem[len(p) :] for p in _KEPT_PREFIXES if stem.startswith(p)]
    return any(s + "ise" in _ISE_KEPT or s + "ize" in _IZE_KEPT for s in bare_stems)


def _suffix_respelling(word: str) -> tuple[str, bool] | None:
    """The -ise/-ize or -yse/-yze counterpart of ``word``, if the rules allow one."""
    if match := _ISE_IZE.fullmatch(word):
        if _ise_is_kept(match["stem"]):
            return None
        vowel = "i"
    elif match := _YSE_YZE.fullmatch(word):
        vowel = "y"
    else:
        return None
    british = match["letter"] == "s"
    other = "z" if british else "s"
    return f"{match['stem']}{vowel}{other}{match['ending']}", british


def _respell_word(word: str) -> list[tuple[str, str]]:
    """Other spellings of one word, each with its explanation."""
    if not _LETTERS.fullmatch(word):
        return []
    found: dict[str, str] = {}
    for result in (_table_respelling(word), _suffix_respelling(word)):
        if result is not None and result[0] != word:
            other, british = result
            found.setdefault(other, f"{'American' if british else 'British'} spelling of '{word}'")
    return list(found.items())


def spelling_variants(term: str) -> list[Variant]:
    """British <-> American forms of ``term``, every word respelled where it can be.

    The combinations of respelled words are generated in a fixed order and
    capped at :data:`MAX_COMBINATIONS` (the term itself included).
    """
    tokens = _SEPARATORS.split(term)
    choices: list[list[tuple[str, str | None]]] = []
    for index, token in enumerate(tokens):
        alternatives: list[tuple[str, str | None]] = [(token, None)]
        if index % 2 == 0:  # a word, not a separator
            alternatives.extend(_respell_word(token))
        choices.append(alternatives)
    variants = []
    # The first combination keeps every word: that is the term itself.
    for combination in islice(product(*choices), 1, MAX_COMBINATIONS):
        text = "".join(token for token, _ in combination)
        how = "; ".join(how for _, how in combination if how is not None)
        variants.append(Variant(text, how))
    return variants


# -------------------------------------------------------------- inflection

# The last word, possibly hyphenated; the part after the last hyphen is
# inflected ("cease-fire" -> "cease-fires") and needs at least three letters.
_INFLECTABLE = re.compile(r"(?:[a-z]+-)*[a-z]{3,}")
_VOWEL_RUN = re.compile(r"[aeiouy]+")

# Base words that look inflected (a vowel before -ed), inflected as usual.
_BASE_ED = frozenset(
    _words("bleed breed embed exceed feed heed need proceed seed speed succeed weed")
)
# Nouns and verbs in -o that take -oes; both plurals are generated for them.
_TAKES_OES = frozenset(
    _words(
        "buffalo cargo commando domino echo embargo ghetto grotto hero innuendo mango "
        "manifesto mosquito motto potato tomato tornado torpedo veto volcano"
    )
)
# Words in -ch said with a k take a plain -s: "oligarchs", "stomachs".
_HARD_CH = frozenset({"czech", "epoch", "eunuch", "loch", "stomach", "tech"})
_HARD_CH_ENDINGS = ("monarch", "oligarch", "triarch", "hierarch", "tetrarch", "exarch")
# Verbs in -ic that add k before -ed and -ing: "trafficked", "panicking".
_ADDS_K = frozenset({"frolic", "mimic", "panic", "picnic", "politic", "traffic"})
# Suffixes of nouns that are never verbs: only the plural is generated, not
# "organisationed". The exceptions are verbs too ("stationed", "witnessing").
_NOUN_ENDINGS = ("ation", "ism", "ity", "hood", "ship", "ness", "logy")
_NOUN_ENDING_VERBS = frozenset(
    {"harness", "hood", "pity", "ration", "ship", "station", "vacation", "witness", "worship"}
)
# Verbs in -ge that keep their e before -ing, unlike "charging".
_KEEPS_E = frozenset({"binge", "singe", "swinge", "tinge", "whinge"})
# Longer verbs stressed on the last syllable: the final consonant doubles.
_DOUBLES = frozenset(
    _words(
        "abet acquit admit allot annul begin commit compel concur confer control defer deter "
        "dispel distil embed emit enrol equip excel expel extol format forget fulfil handicap "
        "impel incur infer instil kidnap occur omit outbid overlap patrol permit prefer "
        "program propel rebel recur refer regret remit repel submit transfer transmit unwrap "
        "upset"
    )
)


def _is_inflected(word: str) -> bool:
    """True for words already in -s, -ed or -ing, which are left alone.

    A word in -s is taken for a plural ("sanctions", "arms") unless it ends
    in -ss or -us ("press", "focus"); -ous and -less mark adjectives. A word
    in -ed or -ing counts as inflected only when a vowel precedes the ending,
    so "bed", "shred", "king" and "bring" are base words.
    """
    if word.endswith("s"):
        return not word.endswith(("ss", "us")) or word.endswith(("ous", "less"))
    if word in _BASE_ED:
        return False
    if word.endswith("ed"):
        return _VOWEL_RUN.search(word[:-2]) is not None
    if word.endswith("ing"):
        return _VOWEL_RUN.search(word[:-3]) is not None
    return False


def _consonant_y(word: str) -> bool:
    return word.endswith("y") and (word[-2] not in _VOWELS or word.endswith("quy"))


def _doubles_final(word: str) -> bool:
    """Whether the final consonant doubles before -ed and -ing ("ban" -> "banned").

    Single-syllable consonant-vowel-consonant words do, except those ending in
    w, x or y (and c, h, whose doubling is not spelled that way); longer words
    only when allow-listed, since the stress decides ("visited", "admitted").
    """
    if word in _DOUBLES:
        return True
    if word[-1] in _VOWELS or word[-1] in "cwxyh" or word[-2] not in _VOWELS:
        return False
    plain = word.replace("qu", "q")  # the u of "quiz" and "quit" is no vowel
    if len(plain) >= 3 and plain[-3] in _VOWELS:
        return False  # "rain", "peel": two vowels before the consonant
    sounded = plain[1:] if plain.startswith("y") else plain  # a leading y is a consonant
    return len(_VOWEL_RUN.findall(sounded)) == 1


def _plurals(word: str) -> list[str]:
    if _consonant_y(word):
        return [word[:-1] + "ies"]
    hard_ch = word in _HARD_CH or word.endswith(_HARD_CH_ENDINGS)
    if word.endswith(("s", "x", "z", "ch", "sh")) and not hard_ch:
        if word.endswith("z") and _doubles_final(word):
            return [word + "zes"]  # quiz -> quizzes
        return [word + "es"]
    if word in _TAKES_OES:
        return [word + "es", word + "s"]
    return [word + "s"]


def _past(word: str) -> str:
    if word.endswith("e"):
        return word + "d"
    if _consonant_y(word):
        return word[:-1] + "ied"
    if word in _ADDS_K:
        return word + "ked"
    if _doubles_final(word):
        return word + word[-1] + "ed"
    return word + "ed"


def _gerund(word: str) -> str:
    if word.endswith("ie"):
        return word[:-2] + "ying"  # tie -> tying
    if word.endswith(("ee", "ye", "oe")) or word in _KEEPS_E:
        return word + "ing"  # agreeing, dyeing, hoeing: the e is not silent
    if word.endswith("e"):
        return word[:-1] + "ing"
    if word in _ADDS_K:
        return word + "king"
    if _doubles_final(word):
        return word + word[-1] + "ing"
    return word + "ing"


def _inflect_word(word: str) -> list[str]:
    if _is_inflected(word):
        return []
    forms = _plurals(word)
    if not word.endswith(_NOUN_ENDINGS) or word in _NOUN_ENDING_VERBS:
        forms += [_past(word), _gerund(word)]
    return [form for form in dict.fromkeys(forms) if form != word]


def inflections(term: str) -> list[Variant]:
    """Plural/third person, past and gerund forms of the last word of ``term``.

    Only ASCII lower-case words of three letters or more are inflected, and
    not words that already look inflected ("sanctions", "banned", "raising");
    nouns with an unmistakable suffix ("-ation", "-ism", "-ity") only take
    the plural.
    """
    last = term.rpartition(" ")[2]
    if not _INFLECTABLE.fullmatch(last):
        return []
    core = last.rpartition("-")[2]
    lead = term[: len(term) - len(core)]
    how = f"inflection of '{last}'"
    return [Variant(lead + form, how) for form in _inflect_word(core)]


# ------------------------------------------------------------------ expand


def expand_term(term: str, *, inflect: bool = True, spelling: bool = True) -> list[Variant]:
    """Every form ``term`` should also match, without duplicates or the term itself.

    In order: spelling variants of the term; inflections of the term and of
    each spelling variant; spelling variants of the term's inflections
    (American "traveled" gives British "travelled").
    """
    found: dict[str, Variant] = {}

    def add(variant: Variant) -> None:
        if variant.text != term:
            found.setdefault(variant.text, variant)

    respelt = spelling_variants(term) if spelling else []
    for variant in respelt:
        add(variant)
    if inflect:
        own = inflections(term)
        for variant in own:
            add(variant)
        for base in respelt:
            for variant in inflections(base.text):
                add(Variant(variant.text, f"{variant.how} ({base.how})"))
        if spelling:
            for inflected in own:
                for variant in spelling_variants(inflected.text):
                    add(Variant(variant.text, f"{variant.how} ({inflected.how})"))
    return list(found.values())
