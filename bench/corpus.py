"""Seeded, generated test data for the benchmarks: watchlists of names and news text.

Names look like the ones sanctions lists carry: people from many languages
(diacritics, Cyrillic, Chinese characters, Hangul, transliteration variants,
patronymics, initials) and companies (descriptors, places, sectors, legal
suffixes, acronyms, Russian and Chinese company names in their own scripts).
Everything is derived from one ``random.Random(seed)``, so a run is repeatable
and the lists of different sizes are prefixes of one another.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bench.wordlists import (
    ADJECTIVES,
    ADVERBS,
    AGENCIES,
    ARABIC_FAMILY,
    ARABIC_GIVEN,
    BRAND_ENDINGS,
    BRAND_SYLLABLES,
    CENTRAL_EUROPEAN_GIVEN,
    CENTRAL_EUROPEAN_SURNAMES,
    CHINESE_GIVEN,
    CHINESE_ORG_NAMES,
    CHINESE_ORG_PLACES,
    CHINESE_ORG_SECTORS,
    CHINESE_SURNAMES,
    COMMON_WORDS,
    DAYS,
    ENGLISH_GIVEN,
    ENGLISH_SURNAMES,
    FILLER_TEMPLATES,
    FRENCH_GIVEN,
    FRENCH_SURNAMES,
    GERMAN_GIVEN,
    GERMAN_SURNAMES,
    KOREAN_GIVEN,
    KOREAN_SURNAMES,
    NOUNS,
    ORDINALS,
    ORG_DESCRIPTORS,
    ORG_PLACES,
    ORG_SECTORS,
    ORG_SUFFIXES,
    PATRONYMIC_STEMS,
    PERIODS,
    PERSIAN_GIVEN,
    PERSIAN_SURNAMES,
    PLACES,
    PREPOSITIONS,
    RUSSIAN_FEMALE,
    RUSSIAN_MALE,
    RUSSIAN_ORG_ENDINGS,
    RUSSIAN_ORG_FORMS,
    RUSSIAN_ORG_STEMS,
    RUSSIAN_SURNAMES,
    SENTENCE_TEMPLATES,
    SLAVIC_ENDINGS,
    SLAVIC_ROOTS,
    SPANISH_GIVEN,
    SPANISH_SURNAMES,
    SUFFIX_SYNONYMS,
    TRANSLITERATIONS,
    TURKISH_GIVEN,
    TURKISH_SURNAMES,
    UKRAINIAN_SURNAMES,
    VERBS,
    VERBS_BASE,
)

# How often a sentence of the text names someone, and how often that name is listed:
# a wire story about sanctions names a handful of people and companies, not dozens.
NAME_SENTENCES = 0.12
LISTED_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class Name:
    """One watchlist entry: the name, its aliases and its kind."""

    name: str
    aliases: tuple[str, ...]
    kind: str  # person | organisation


def _initial(name: str) -> str:
    return f"{name[0]}."


def _variant(text: str) -> str | None:
    """A known transliteration variant of a name part, if any."""
    for one, other in TRANSLITERATIONS:
        if one in text:
            return text.replace(one, other)
        if other in text:
            return text.replace(other, one)
    return None


def _pick_aliases(rng: random.Random, name: str, options: Sequence[str]) -> tuple[str, ...]:
    """One to three distinct aliases from ``options`` (the name itself excluded)."""
    unique = [o for o in dict.fromkeys(options) if o and o != name]
    rng.shuffle(unique)
    return tuple(unique[: rng.randint(1, 3)])


def _western(rng: random.Random, given: Sequence[str], surnames: Sequence[str]) -> Name:
    first, last = rng.choice(given), rng.choice(surnames)
    middle = rng.choice(given) if rng.random() < 0.5 else ""
    name = " ".join(p for p in (first, middle, last) if p)
    options = [f"{first} {last}", f"{last}, {first}"]
    if middle:
        options.append(f"{first} {_initial(middle)} {last}")
    options.append(f"{last.upper()} {first}")
    return Name(name, _pick_aliases(rng, name, options), "person")


def _spanish(rng: random.Random) -> Name:
    first = rng.choice(SPANISH_GIVEN)
    father, mother = rng.sample(SPANISH_SURNAMES, 2)
    name = f"{first} {father} {mother}"
    options = [f"{first} {father}", f"{first} {father}-{mother}", f"{father}, {first}"]
    return Name(name, _pick_aliases(rng, name, options), "person")


def _russian(rng: random.Random) -> Name:
    female = rng.random() < 0.25
    given = rng.choice(RUSSIAN_FEMALE if female else RUSSIAN_MALE)
    if rng.random() < 0.5:
        last = rng.choice(RUSSIAN_SURNAMES + UKRAINIAN_SURNAMES)
        feminine = last in RUSSIAN_SURNAMES
    else:
        root, ending = rng.choice(SLAVIC_ROOTS), rng.choice(SLAVIC_ENDINGS)
        last = (root[0] + ending[0], root[1] + ending[1])
        feminine = ending[0] in {"ov", "ev", "in"}
    stem = rng.choice(PATRONYMIC_STEMS)
    if female:
        patronymic = (stem[0] + "na", stem[1] + "на")
        if feminine:
            last = (last[0] + "a", last[1] + "\u0430")  # Cyrillic a
        elif last[0].endswith("sky"):
            last = (last[0][:-1] + "aya", last[1][:-2] + "ая")
    else:
        patronymic = (stem[0] + "ich", stem[1] + "ич")
    name = f"{given[0]} {patronymic[0]} {last[0]}"
    options = [
        f"{given[1]} {patronymic[1]} {last[1]}",
        f"{given[1]} {last[1]}",
        f"{given[0]} {last[0]}",
        f"{last[0]} {given[0]} {patronymic[0]}",
        f"{_initial(given[0])} {_initial(patronymic[0])} {last[0]}",
    ]
    variant = _variant(f"{given[0]} {last[0]}")
    if variant:
        options.append(variant)
    return Name(name, _pick_aliases(rng, name, options), "person")


def _arabic(rng: random.Random) -> Name:
    first, father = rng.sample(ARABIC_GIVEN, 2)
    family = rng.choice(ARABIC_FAMILY)
    name = f"{first} {family}"
    options = [f"{first} bin {father} {family}", f"{first} {father} {family}"]
    variant = _variant(name)
    if variant:
        options.append(variant)
    if family.startswith("al-"):
        options.append(f"{first} {family[3:].capitalize()}")
    return Name(name, _pick_aliases(rng, name, options), "person")


def _chinese(rng: random.Random) -> Name:
    last = rng.choice(CHINESE_SURNAMES)
    given = rng.choice(CHINESE_GIVEN)
    second = rng.choice(CHINESE_GIVEN) if rng.random() < 0.6 and len(given[1]) == 1 else None
    if second and len(second[1]) == 1:
        given = (given[0] + second[0].lower(), given[1] + second[1])
    name = f"{last[0]} {given[0]}"
    options = [f"{last[1]}{given[1]}", f"{given[0]} {last[0]}", f"{last[0].upper()} {given[0]}"]
    return Name(name, _pick_aliases(rng, name, options), "person")


def _korean(rng: random.Random) -> Name:
    last = rng.choice(KOREAN_SURNAMES)
    given = rng.choice(KOREAN_GIVEN)
    name = f"{last[0]} {given[0]}"
    options = [
        f"{last[1]}{given[1]}",
        f"{last[0]} {given[0].replace('-', ' ')}",
        f"{last[0]} {given[0].replace('-', '').capitalize()}",
    ]
    return Name(name, _pick_aliases(rng, name, options), "person")


def _acronym(words: Sequence[str]) -> str:
    return "".join(w[0] for w in words if w[:1].isalpha()).upper()


def _brand(rng: random.Random) -> str:
    """A coined company name such as "Veranta" or "Koltrax"."""
    syllables = rng.choices(BRAND_SYLLABLES, k=rng.choice((2, 2, 3)))
    return ("".join(syllables) + rng.choice(BRAND_ENDINGS)).capitalize()


def _company(rng: random.Random) -> Name:
    roll = rng.random()
    generic = ORG_DESCRIPTORS if roll < 0.8 else ORG_PLACES
    head = _brand(rng) if roll < 0.55 else rng.choice(generic)
    sectors = rng.sample(ORG_SECTORS, rng.choice((1, 1, 2)))
    suffix = rng.choice(ORG_SUFFIXES)
    words = [head, *sectors]
    base = " ".join(words)
    name = f"{base} {suffix}"
    options = [base]
    if len(words) >= 3:  # two-letter acronyms are too ambiguous for any real list
        options.append(_acronym(words))
    if suffix in SUFFIX_SYNONYMS:
        options.append(f"{base} {SUFFIX_SYNONYMS[suffix]}")
    options.append(f"{base} {rng.choice(ORG_SUFFIXES)}")
    return Name(name, _pick_aliases(rng, name, options), "organisation")


def _russian_company(rng: random.Random) -> Name:
    stem, ending = rng.choice(RUSSIAN_ORG_STEMS), rng.choice(RUSSIAN_ORG_ENDINGS)
    form = rng.choice(RUSSIAN_ORG_FORMS)
    latin = stem[0] + ending[0]
    cyrillic = stem[1] + ending[1]
    number = f"-{rng.randint(1, 99)}" if rng.random() < 0.7 else ""
    name = f"{form[0]} {latin}{number}"
    options = [
        f"{form[1]} \u00ab{cyrillic}{number}\u00bb",
        f"{cyrillic}{number}",
        f"{latin}{number}",
        f"{latin.upper()}{number}",
    ]
    return Name(name, _pick_aliases(rng, name, options), "organisation")


def _chinese_company(rng: random.Random) -> Name:
    place, firm, sector = (
        rng.choice(CHINESE_ORG_PLACES),
        rng.choice(CHINESE_ORG_NAMES),
        rng.choice(CHINESE_ORG_SECTORS),
    )
    name = f"{place[0]} {firm[0]} {sector[0]} Co., Ltd."
    options = [
        f"{place[1]}{firm[1]}{sector[1]}有限公司",
        f"{firm[0]} {sector[0]}",
        f"{place[0]} {firm[0]} {sector[0]} Company Limited",
    ]
    return Name(name, _pick_aliases(rng, name, options), "organisation")


_GENERATORS: tuple[tuple[float, Callable[[random.Random], Name]], ...] = (
    (0.10, lambda r: _western(r, ENGLISH_GIVEN, ENGLISH_SURNAMES)),
    (0.06, lambda r: _western(r, GERMAN_GIVEN, GERMAN_SURNAMES)),
    (0.05, lambda r: _western(r, FRENCH_GIVEN, FRENCH_SURNAMES)),
    (0.05, _spanish),
    (0.04, lambda r: _western(r, TURKISH_GIVEN, TURKISH_SURNAMES)),
    (0.05, lambda r: _western(r, CENTRAL_EUROPEAN_GIVEN, CENTRAL_EUROPEAN_SURNAMES)),
    (0.10, _russian),
    (0.06, _arabic),
    (0.03, lambda r: _western(r, PERSIAN_GIVEN, PERSIAN_SURNAMES)),
    (0.04, _chinese),
    (0.02, _korean),
    (0.30, _company),
    (0.06, _russian_company),
    (0.04, _chinese_company),
)


def generate_names(count: int, seed: int) -> list[Name]:
    """``count`` entries with distinct names; a smaller count gives a prefix of a larger one."""
    rng = random.Random(seed)
    weights = [w for w, _ in _GENERATORS]
    makers = [m for _, m in _GENERATORS]
    seen: set[str] = set()
    names: list[Name] = []
    while len(names) < count:
        (make,) = rng.choices(makers, weights)
        entry = make(rng)
        if entry.name.casefold() in seen:
            continue  # real lists hold duplicates too, but a name is an entity's identity here
        seen.add(entry.name.casefold())
        names.append(entry)
    return names


def names_csv(names: Sequence[Name]) -> bytes:
    """The entries as the CSV a sanctions list export would be: BOM, quoted where needed."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["name", "aliases", "kind"])
    for entry in names:
        writer.writerow([entry.name, ";".join(entry.aliases), entry.kind])
    return out.getvalue().encode("utf-8-sig")


# -- text ----------------------------------------------------------------------


def generate_articles(
    mb: float, seed: int, listed: Sequence[Name], unlisted: Sequence[Name]
) -> list[str]:
    """News-like articles of about ``mb`` megabytes of UTF-8 in total.

    Sentences mix common English with mentions of ``listed`` names (hits) and
    ``unlisted`` ones (no hits, but the same shapes), in any of their aliases,
    sometimes in a capitalised headline.
    """
    rng = random.Random(seed)
    target = int(mb * 1_000_000)
    size = 0
    articles: list[str] = []
    people = [n for n in listed if n.kind == "person"]
    orgs = [n for n in listed if n.kind != "person"]
    other_people = [n for n in unlisted if n.kind == "person"]
    other_orgs = [n for n in unlisted if n.kind != "person"]

    def mention(pool: Sequence[Name], others: Sequence[Name]) -> str:
        entry = rng.choice(pool if rng.random() < LISTED_SHARE else others)
        return rng.choice((entry.name, entry.name, *entry.aliases))

    def fill(template: str) -> str:
        return template.format(
            person=mention(people, other_people),
            person2=mention(people, other_people),
            org=mention(orgs, other_orgs),
            org2=mention(orgs, other_orgs),
            place=rng.choice(PLACES),
            day=rng.choice(DAYS),
            num=rng.randint(2, 950),
            noun=rng.choice(NOUNS),
            noun2=rng.choice(NOUNS),
            noun3=rng.choice(NOUNS),
            verb=rng.choice(VERBS),
            verb2=rng.choice(VERBS),
            verb_base=rng.choice(VERBS_BASE),
            adverb=rng.choice(ADVERBS),
            adjective=rng.choice(ADJECTIVES),
            prep=rng.choice(PREPOSITIONS),
            prep2=rng.choice(PREPOSITIONS),
            period=rng.choice(PERIODS),
            ordinal=rng.choice(ORDINALS),
            agency=rng.choice(AGENCIES),
            Cap=rng.choice(NOUNS).capitalize(),
        )

    def babble() -> str:
        words = rng.choices(COMMON_WORDS, k=rng.randint(12, 28))
        return " ".join(words).capitalize() + "."

    while size < target:
        headline_name = mention(people + orgs, other_people + other_orgs)
        headline = (
            f"{headline_name} {rng.choice(NOUNS)} {rng.choice(VERBS)} in {rng.choice(PLACES)}"
        )
        if rng.random() < 0.2:
            headline = headline.upper()
        dateline = f"{rng.choice(PLACES).upper()}, {rng.choice(DAYS)} ({rng.choice(AGENCIES)}) - "
        paragraphs: list[str] = []
        for _ in range(rng.randint(6, 14)):
            sentences = []
            for _ in range(rng.randint(2, 4)):
                roll = rng.random()
                if roll < NAME_SENTENCES:
                    sentences.append(fill(rng.choice(SENTENCE_TEMPLATES)))
                elif roll < NAME_SENTENCES + 0.45:
                    sentences.append(fill(rng.choice(FILLER_TEMPLATES)))
                else:
                    sentences.append(babble())
            paragraphs.append(" ".join(sentences))
        paragraphs[0] = dateline + paragraphs[0]
        article = headline + "\n\n" + "\n\n".join(paragraphs) + "\n"
        articles.append(article)
        size += len(article.encode("utf-8"))
    return articles
