"""French that reads right around the names a sentence takes in: "le parcours d'Inès",
"personne de l'IME", "au SESSAD". A pure function over a translated sentence and its values, applied
before the values are put in (the values themselves are never changed)."""

import re

# A preposition (or "que") just before a value: "de %(name)s", "à %(organisation)s".
_BEFORE_VALUE = re.compile(r"\b(de|De|à|À|que|Que) %\((\w+)\)s")
# Sounds that take the elision: vowels, and the silent h of most first names (Hugo, Hélène).
_ELIDED = frozenset("aeiouyàâäéèêëîïôöùûüœæh")
# An organisation named by its acronym takes the article: l'IME, l'ESAT, le SESSAD.
_ACRONYM = re.compile(r"[A-ZÉÈ]{2,}\b")
# "de" and "à" joined to the article, before a vowel and before a consonant.
_WITH_ARTICLE = {
    "de": ("de l'", "du "),
    "De": ("De l'", "Du "),
    "à": ("à l'", "au "),
    "À": ("À l'", "Au "),
}
# The values that name an organisation (or a service) rather than a person.
ORGANISATION_VALUES = frozenset({"organisation", "service", "receiving", "org", "from_label"})


def contract(sentence: str, values: dict) -> str:
    """The French `sentence` (with `%(name)s` slots) with each "de", "à" or "que" before a
    value elided or joined to its article as the value requires."""
    if "%(" not in sentence:
        return sentence

    def joined(match: re.Match) -> str:
        word, key = match.groups()
        value = values.get(key)
        if not isinstance(value, str) or not value:
            return match.group(0)
        elided = value[0].lower() in _ELIDED
        slot = f"%({key})s"
        if key in ORGANISATION_VALUES and _ACRONYM.match(value):
            if word not in _WITH_ARTICLE:
                return match.group(0)
            before_vowel, before_consonant = _WITH_ARTICLE[word]
            return (before_vowel if elided else before_consonant) + slot
        if elided and word not in ("à", "À"):
            return word[:-1] + "'" + slot
        return match.group(0)

    return _BEFORE_VALUE.sub(joined, sentence)
