"""Status colours pass WCAG AA against their text, and every status has a word and an icon."""
import re
from pathlib import Path

import pytest

from metrics.vocabulary import RAG, VOCABULARIES

CSS = (Path(__file__).resolve().parent.parent / "assets" / "style.css").read_text()


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    lighter, darker = sorted((luminance(a), luminance(b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def expand(colour: str) -> str:
    return "#" + "".join(c * 2 for c in colour[1:]) if len(colour) == 4 else colour


def rule(css_class: str) -> tuple[str, str]:
    body = re.search(r"\." + css_class + r"\s*\{([^}]*)\}", CSS).group(1)
    background = re.search(r"background:\s*(#[0-9a-fA-F]{3,6})", body).group(1)
    colour = re.search(r"(?<!-)color:\s*(#[0-9a-fA-F]{3,6})", body).group(1)
    return expand(background), expand(colour)


def test_the_contrast_formula_matches_known_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("css_class", ["cell-green", "cell-amber", "cell-red", "cell-no_target", "priority-row th"])
def test_page_colours_pass_wcag_aa_for_text(css_class):
    background, text = rule(css_class.replace(" ", r"\s+"))
    assert contrast(background, text) >= 4.5, f"{css_class}: {background} on {text}"


@pytest.mark.parametrize("kind", list(VOCABULARIES))
def test_status_colours_pass_wcag_aa_as_badges_and_as_words(kind):
    for t in VOCABULARIES[kind].values():
        assert contrast(t.colour, t.text_colour) >= 4.5, f"{kind} {t.code}: badge {t.colour} on {t.text_colour}"
        if kind != "rag":  # these are coloured words on a white page
            assert contrast(t.colour, "#ffffff") >= 4.5, f"{kind} {t.code}: {t.colour} on white"


def test_every_status_has_a_word_and_an_icon():
    for key, t in RAG.items():
        assert t.word and t.icon and t.meaning, key
    assert len({t.icon for t in RAG.values()}) == len(RAG)  # told apart without colour
