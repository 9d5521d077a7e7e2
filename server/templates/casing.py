"""Case conversions of names: the words of a name, and snake, kebab, pascal, camel and upper_snake.

Words are found the same way for every conversion, so `snake(pascal(x)) == snake(x)`
for ordinary names: separators (`-`, `_`, spaces, dots) split words, and so do
case changes, with acronyms kept together (`HTTPServer` -> `HTTP`, `Server`).
Digits stay with the word before them (`v2`, `utf8`); after a digit, only a
capitalised word starts a new one (`OAuth2Client` -> O, Auth2, Client), so
converted names convert to themselves again (`0A` stays one word).

The one definition for Jinja's filters (filters.py) and for learned programs,
which carry this code inside their own source (evolution/runtime.py): so it
stays self-contained, with public names, no imports but `re`, and plain `str`
annotations (what the sandbox allows).
"""

import re

# Anything that is not a letter or a digit separates words (Unicode-aware, so `café` is one word).
SEPARATORS = re.compile(r"[\W_]+")


def split_case(chunk: str) -> list[str]:
    """`orderItem` -> order, Item; `HTTPServer` -> HTTP, Server; after a digit only a capitalised word starts."""
    found = []
    start = 0
    for i in range(1, len(chunk)):
        prev, cur = chunk[i - 1], chunk[i]
        next_is_lower = i + 1 < len(chunk) and chunk[i + 1].islower()
        if cur.isupper() and (prev.islower() or ((prev.isdigit() or prev.isupper()) and next_is_lower)):
            found.append(chunk[start:i])
            start = i
    found.append(chunk[start:])
    return found


def words(text: str) -> list[str]:
    return [word for chunk in SEPARATORS.split(str(text)) if chunk for word in split_case(chunk)]


def snake(text: str) -> str:
    return "_".join(word.lower() for word in words(text))


def upper_snake(text: str) -> str:
    return "_".join(word.upper() for word in words(text))


def kebab(text: str) -> str:
    return "-".join(word.lower() for word in words(text))


def capitalize(word: str) -> str:
    """Upper-case the first letter (not the first character): `2fa` -> `2Fa`."""
    first = next((index for index, char in enumerate(word) if char.isalpha()), 0)
    return word[:first] + word[first : first + 1].upper() + word[first + 1 :].lower()


def pascal(text: str) -> str:
    return "".join(capitalize(word) for word in words(text))


def camel(text: str) -> str:
    converted = pascal(text)
    return converted[:1].lower() + converted[1:]
