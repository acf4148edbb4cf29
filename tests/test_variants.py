"""Term variants: every spelling and inflection rule, its exceptions, and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from watcher.rules.variants import (
    _PAIRS,
    MAX_COMBINATIONS,
    Variant,
    _build_pairs,
    expand_term,
    inflections,
    spelling_variants,
)


def respelt(term: str) -> list[str]:
    return [v.text for v in spelling_variants(term)]


def inflected(term: str) -> list[str]:
    return [v.text for v in inflections(term)]


def expanded(term: str, **flags: bool) -> list[str]:
    return [v.text for v in expand_term(term, **flags)]


# ------------------------------------------------------------ British/American

SPELLING = [
    # -isation/-ization, -ise/-ize and the verb's inflections, both directions
    ("organisation", "organization"),
    ("organisations", "organizations"),
    ("organisational", "organizational"),
    ("organise", "organize"),
    ("organised", "organized"),
    ("organising", "organizing"),
    ("organises", "organizes"),
    ("organiser", "organizer"),
    ("recognisable", "recognizable"),
    ("civilisation", "civilization"),
    ("ionise", "ionize"),  # a three-letter stem is long enough
    ("criticise", "criticize"),  # -cise is not blindly exempt
    ("prioritise", "prioritize"),  # nor -tise
    ("theorise", "theorize"),  # nor -rise
    ("minimise", "minimize"),  # nor -mise
    ("subsidise", "subsidize"),  # nor -dise
    ("emphasise", "emphasize"),  # nor -size on the American side
    ("centralise", "centralize"),
    # -yse/-yze
    ("analyse", "analyze"),
    ("analysed", "analyzed"),
    ("analysing", "analyzing"),
    ("paralyse", "paralyze"),
    ("catalyse", "catalyze"),
    # -our/-or, allow-listed, with derived forms and prefixes
    ("labour", "labor"),
    ("labourer", "laborer"),
    ("honour", "honor"),
    ("honourable", "honorable"),
    ("favour", "favor"),
    ("favourite", "favorite"),
    ("unfavourable", "unfavorable"),
    ("neighbour", "neighbor"),
    ("neighbourhood", "neighborhood"),
    ("behaviour", "behavior"),
    ("behavioural", "behavioral"),
    ("misbehaviour", "misbehavior"),
    ("colour", "color"),
    ("coloured", "colored"),
    ("dishonour", "dishonor"),
    ("armoured", "armored"),
    ("rumours", "rumors"),
    # -re/-er, allow-listed, with inflections
    ("centre", "center"),
    ("centres", "centers"),
    ("centred", "centered"),
    ("centring", "centering"),
    ("metre", "meter"),
    ("kilometres", "kilometers"),
    ("theatre", "theater"),
    ("fibre", "fiber"),
    ("calibre", "caliber"),
    ("litre", "liter"),
    ("spectre", "specter"),
    ("manoeuvre", "maneuver"),
    ("manoeuvring", "maneuvering"),
    # -ence/-ense, allow-listed
    ("defence", "defense"),
    ("defences", "defenses"),
    ("defenceless", "defenseless"),
    ("offence", "offense"),
    ("licence", "license"),
    ("pretence", "pretense"),
    # -ogue/-og
    ("catalogue", "catalog"),
    ("catalogued", "cataloged"),
    ("cataloguing", "cataloging"),
    ("dialogue", "dialog"),
    ("analogue", "analog"),
    # -lled/-led, -lling/-ling
    ("travelled", "traveled"),
    ("travelling", "traveling"),
    ("traveller", "traveler"),
    ("cancelled", "canceled"),
    ("cancelling", "canceling"),
    ("labelled", "labeled"),
    ("unlabelled", "unlabeled"),
    ("modelling", "modeling"),
    ("signalled", "signaled"),
    ("fuelled", "fueled"),
    ("channelled", "channeled"),
    ("levelled", "leveled"),
    ("totalled", "totaled"),
    # single words
    ("aluminium", "aluminum"),
    ("programme", "program"),
    ("programmes", "programs"),
    ("grey", "gray"),
    ("greying", "graying"),
    ("judgement", "judgment"),
]


@pytest.mark.parametrize(("british", "american"), SPELLING)
def test_british_and_american_spellings_both_ways(british: str, american: str) -> None:
    assert spelling_variants(british) == [Variant(american, f"American spelling of '{british}'")]
    assert spelling_variants(american) == [Variant(british, f"British spelling of '{american}'")]


UNCHANGED = [
    # not -our words
    "four",
    "your",
    "hour",
    "tour",
    "pour",
    "flour",
    "our",
    "sour",
    "devour",
    "contour",
    "troubadour",
    "amour",
    "velour",
    "paramour",
    # -or words that have no -our form, and -our derivatives spelled alike
    "actor",
    "error",
    "terror",
    "honorary",
    "humorous",
    "laborious",
    "vigorous",
    "laboratory",
    # not -re words
    "genre",
    "acre",
    "massacre",
    "mediocre",
    "ogre",
    "parameter",
    "diameter",
    # -ise in both spellings, in any form
    "rise",
    "arise",
    "sunrise",
    "uprising",
    "wise",
    "otherwise",
    "precise",
    "concise",
    "exercise",
    "exercised",
    "advise",
    "adviser",
    "revised",
    "supervise",
    "televised",
    "improvisation",
    "advertise",
    "advertising",
    "comprise",
    "compromise",
    "uncompromising",
    "surprise",
    "unsurprising",
    "enterprise",
    "franchise",
    "franchised",
    "merchandise",
    "expertise",
    "premise",
    "premises",
    "promise",
    "promising",
    "noise",
    "cruise",
    "cruiser",
    "raise",
    "raised",
    "praise",
    "disguise",
    "chastise",
    "despise",
    "treatise",
    "paradise",
    "crises",  # too short a stem
    "miser",
    # -ize in both spellings
    "size",
    "sized",
    "prize",
    "prizes",
    "seize",
    "seized",
    "capsize",
    "capsized",
    "downsized",
    "oversized",
    "resize",
    # spelled alike: -ise nouns in -ysis, -l derivatives, licence verb forms
    "analysis",
    "analyst",
    "travel",
    "travels",
    "cancellation",
    "licensed",
    "licensing",
    # deliberately left out: too ambiguous
    "cheque",
    "check",
    "tyre",
    "tire",
    # not ASCII lower-case letters
    "organisé",
    "организация",
    "g7",
    "",
]


@pytest.mark.parametrize("word", UNCHANGED)
def test_words_without_another_spelling(word: str) -> None:
    assert respelt(word) == []


def test_other_words_of_a_term_are_kept() -> None:
    assert spelling_variants("defence cooperation") == [
        Variant("defense cooperation", "American spelling of 'defence'")
    ]
    assert respelt("ministry of defense") == ["ministry of defence"]


def test_every_word_of_a_term_is_respelled() -> None:
    assert respelt("labour organisation") == [
        "labour organization",
        "labor organisation",
        "labor organization",
    ]
    both = spelling_variants("labour organisation")[-1]
    assert both.how == "American spelling of 'labour'; American spelling of 'organisation'"


def test_hyphenated_words_are_respelled_part_by_part() -> None:
    assert respelt("self-organising") == ["self-organizing"]
    assert respelt("centre-left") == ["center-left"]


def test_spelling_combinations_are_capped() -> None:
    term = "defence labour organisation centre theatre catalogue"
    variants = respelt(term)
    assert len(variants) == MAX_COMBINATIONS - 1
    assert len(set(variants)) == len(variants)
    assert term not in variants


def test_spelling_tables_are_consistent() -> None:
    for form, (other, british) in _PAIRS.items():
        assert form != other
        assert _PAIRS[other] == (form, not british)


def test_conflicting_tables_are_refused() -> None:
    with pytest.raises(ValueError, match="'center'"):
        _build_pairs([("centre", "center"), ("centrum", "center")])


# ------------------------------------------------------------------ inflection

INFLECTIONS = [
    ("sanction", ["sanctions", "sanctioned", "sanctioning"]),
    ("visit", ["visits", "visited", "visiting"]),  # two syllables: no doubling
    ("target", ["targets", "targeted", "targeting"]),
    # silent e
    ("raise", ["raises", "raised", "raising"]),
    ("argue", ["argues", "argued", "arguing"]),
    ("agree", ["agrees", "agreed", "agreeing"]),  # the e is not silent
    ("dye", ["dyes", "dyed", "dyeing"]),
    ("tie", ["ties", "tied", "tying"]),
    # y after a consonant, and after a vowel
    ("ally", ["allies", "allied", "allying"]),
    ("deny", ["denies", "denied", "denying"]),
    ("obey", ["obeys", "obeyed", "obeying"]),
    # sibilants
    ("tax", ["taxes", "taxed", "taxing"]),
    ("crash", ["crashes", "crashed", "crashing"]),
    ("search", ["searches", "searched", "searching"]),
    ("press", ["presses", "pressed", "pressing"]),
    ("focus", ["focuses", "focused", "focusing"]),
    ("buzz", ["buzzes", "buzzed", "buzzing"]),
    ("quiz", ["quizzes", "quizzed", "quizzing"]),  # the u of qu is no vowel
    ("bus", ["buses", "bussed", "bussing"]),
    # -o
    ("embargo", ["embargoes", "embargos", "embargoed", "embargoing"]),
    ("veto", ["vetoes", "vetos", "vetoed", "vetoing"]),
    ("video", ["videos", "videoed", "videoing"]),
    # consonant doubling: single-syllable CVC
    ("ban", ["bans", "banned", "banning"]),
    ("stop", ["stops", "stopped", "stopping"]),
    ("ship", ["ships", "shipped", "shipping"]),
    ("quit", ["quits", "quitted", "quitting"]),
    ("yap", ["yaps", "yapped", "yapping"]),  # a leading y is a consonant
    # ... but not after w, x, y, two vowels or two consonants
    ("show", ["shows", "showed", "showing"]),
    ("fix", ["fixes", "fixed", "fixing"]),
    ("play", ["plays", "played", "playing"]),
    ("rain", ["rains", "rained", "raining"]),
    ("arm", ["arms", "armed", "arming"]),
    ("fund", ["funds", "funded", "funding"]),
    # ... and longer words only when allow-listed
    ("program", ["programs", "programmed", "programming"]),
    ("kidnap", ["kidnaps", "kidnapped", "kidnapping"]),
    ("commit", ["commits", "committed", "committing"]),
    ("control", ["controls", "controlled", "controlling"]),
    ("embed", ["embeds", "embedded", "embedding"]),
    # US single l; the British double l comes from the spelling rules
    ("travel", ["travels", "traveled", "traveling"]),
    # -ic verbs take a k
    ("traffic", ["traffics", "trafficked", "trafficking"]),
    ("panic", ["panics", "panicked", "panicking"]),
    # -ch said as k
    ("oligarch", ["oligarchs", "oligarched", "oligarching"]),
    ("stomach", ["stomachs", "stomached", "stomaching"]),
    # -ed and -ing without a vowel before them are base words
    ("bring", ["brings", "bringed", "bringing"]),
    ("shred", ["shreds", "shredded", "shredding"]),
    ("need", ["needs", "needed", "needing"]),
    # nouns that are never verbs only take the plural
    ("organisation", ["organisations"]),
    ("security", ["securities"]),
    ("terrorism", ["terrorisms"]),
    ("leadership", ["leaderships"]),
    ("station", ["stations", "stationed", "stationing"]),
    ("witness", ["witnesses", "witnessed", "witnessing"]),
]


@pytest.mark.parametrize(("word", "forms"), INFLECTIONS)
def test_inflections(word: str, forms: list[str]) -> None:
    assert inflections(word) == [Variant(form, f"inflection of '{word}'") for form in forms]


def test_y_after_a_vowel_is_kept() -> None:
    assert "days" in inflected("day")
    assert "daies" not in inflected("day")


NOT_INFLECTED = [
    # already inflected or plural
    "sanctions",
    "sanctioned",
    "sanctioning",
    "banned",
    "raising",
    "embargoes",
    "allies",
    "arms",
    "organised",
    "crisis",
    # adjectives in -ous and -less
    "dangerous",
    "defenceless",
    # too short
    "go",
    "ox",
    # not ASCII lower-case Latin letters
    "санкция",
    "制裁",
    "naïve",
    "g7",
    "covid19",
    "SCO",
    "o'brien",
    "",
]


@pytest.mark.parametrize("word", NOT_INFLECTED)
def test_words_left_uninflected(word: str) -> None:
    assert inflections(word) == []


def test_only_the_last_word_is_inflected() -> None:
    assert inflected("arms embargo") == [
        "arms embargoes",
        "arms embargos",
        "arms embargoed",
        "arms embargoing",
    ]
    assert inflections("travel ban")[0] == Variant("travel bans", "inflection of 'ban'")
    assert inflected("sanctions evasion") == [
        "sanctions evasions",
        "sanctions evasioned",
        "sanctions evasioning",
    ]
    assert inflected("russian sanctions") == []
    assert inflected("g7 sanction") == ["g7 sanctions", "g7 sanctioned", "g7 sanctioning"]
    assert inflected("sanction g7") == []


def test_hyphenated_last_word_inflects_its_last_part() -> None:
    assert inflected("cease-fire") == ["cease-fires", "cease-fired", "cease-firing"]
    assert inflected("x-ray") == ["x-rays", "x-rayed", "x-raying"]
    assert inflected("covid-19") == []


# ------------------------------------------------------------------ expand_term


def test_expand_sanction() -> None:
    assert expand_term("sanction") == [
        Variant("sanctions", "inflection of 'sanction'"),
        Variant("sanctioned", "inflection of 'sanction'"),
        Variant("sanctioning", "inflection of 'sanction'"),
    ]


def test_expand_combines_spelling_and_inflection() -> None:
    assert expanded("defence cooperation") == [
        "defense cooperation",
        "defence cooperations",
        "defense cooperations",
    ]
    assert expand_term("defence cooperation")[-1].how == (
        "inflection of 'cooperation' (American spelling of 'defence')"
    )
    assert expanded("organise") == [
        "organize",
        "organises",
        "organised",
        "organising",
        "organizes",
        "organized",
        "organizing",
    ]


def test_expand_respells_inflections() -> None:
    variants = expand_term("travel")
    assert [v.text for v in variants] == [
        "travels",
        "traveled",
        "traveling",
        "travelled",
        "travelling",
    ]
    assert variants[3].how == "British spelling of 'traveled' (inflection of 'travel')"
    assert {"labelled", "labelling", "labeled", "labeling"} <= set(expanded("label"))
    assert {"flight cancelled", "flight canceled"} <= set(expanded("flight cancel"))


def test_expand_programme() -> None:
    assert expanded("programme") == [
        "program",
        "programmes",
        "programmed",
        "programming",
        "programs",
    ]


def test_expand_flags() -> None:
    assert expanded("defence", inflect=False) == ["defense"]
    assert expanded("defence", spelling=False) == ["defences", "defenced", "defencing"]
    assert expanded("defence", inflect=False, spelling=False) == []
    assert expanded("sanction", inflect=False) == []


def test_expand_explicit_forms_never_reach_other_words() -> None:
    # The automaton matches whole words, and every form is a whole word that
    # extends "sanction": nothing can match "sanctity" or "sanctimonious".
    forms = expanded("sanction")
    assert all(form.startswith("sanction") for form in forms)
    assert "sanctity" not in forms


# ------------------------------------------------------------------ properties

words = st.from_regex(r"[a-z]{1,12}", fullmatch=True)
terms = st.lists(words, min_size=1, max_size=4).map(" ".join)


@given(terms)
def test_expand_never_returns_the_term_or_duplicates(term: str) -> None:
    variants = expanded(term)
    assert term not in variants
    assert len(set(variants)) == len(variants)


@given(terms)
def test_variants_keep_the_word_structure(term: str) -> None:
    for variant in expand_term(term):
        assert len(variant.text.split(" ")) == len(term.split(" "))
        assert variant.text == variant.text.lower()
        assert variant.how


@given(words)
def test_no_wild_rewrites(word: str) -> None:
    # Every variant keeps the first three letters of the word, except that
    # the rules rewrite up to the last two letters of a short word: "tie" ->
    # "tying", "spy" -> "spies", "use" -> "using", "grey" -> "gray".
    keep = 3 if len(word) >= 5 else max(len(word) - 2, 0)
    for variant in expanded(word):
        assert variant.startswith(word[:keep]), variant


@given(words)
def test_inflections_keep_the_word_as_prefix_when_it_has_no_silent_ending(word: str) -> None:
    if not word.endswith(("e", "y")):
        for form in inflected(word):
            assert form.startswith(word), form


def british_words() -> st.SearchStrategy[str]:
    allow_listed = sorted(form for form, (_, british) in _PAIRS.items() if british)
    stems = st.from_regex(r"[a-z]{3,9}", fullmatch=True)
    ise = st.tuples(
        stems,
        st.sampled_from(["ise", "ised", "ising", "isation", "isations", "iser", "isable"]),
    ).map("".join)
    yse = st.tuples(stems, st.sampled_from(["lyse", "lysed", "lysing"])).map("".join)
    return st.one_of(st.sampled_from(allow_listed), ise, yse)


@given(british_words(), st.sampled_from(["", "defence ", "arms "]))
def test_round_trip(word: str, lead: str) -> None:
    term = lead + word
    for variant in spelling_variants(term):
        assert term in respelt(variant.text)


@pytest.mark.parametrize(("british", "american"), SPELLING)
def test_round_trip_of_the_examples(british: str, american: str) -> None:
    for variant in respelt(british):
        assert british in respelt(variant)
    for variant in respelt(american):
        assert american in respelt(variant)
