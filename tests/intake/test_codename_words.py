"""The codename word list: built from the committed frequency extract by the committed
script, nothing the deny-list names, and the first list kept for codenames already issued."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from corridor.intake.codenames import FIRST_WORDS_FILE, first_words, words

pytestmark = pytest.mark.pure
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "make_codename_words.py"
# The first list exactly as codenames were issued from it: editing it would lock out the
# people whose codenames use a changed word.
FIRST_LIST_SHA256 = "6088c2762258e9672eb8c0d9444a1c8a9b8993e63e9bb4c201d171c84cb84ed2"


@pytest.fixture(scope="module")
def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_codename_words", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building
    spec.loader.exec_module(module)
    return module


def test_the_build_script_makes_the_committed_list_from_the_committed_files(script):
    """Deterministic and offline: running the script again gives the list as shipped."""
    assert script.build() == list(words())


def test_every_word_is_in_the_frequency_extract_as_a_noun_adjective_or_animal(script):
    extract = {lemma: (pos, zipf) for lemma, pos, zipf in script.read_extract()}
    for word in words():
        assert word in extract, word
        pos, zipf = extract[word]
        assert pos in {"noun", "adj"} or word in script.ANIMALS, word
        assert zipf >= script.MIN_ZIPF, word


def test_no_word_is_denied_as_a_word_by_its_start_or_by_its_ending(script):
    denied = script.read_deny_list()
    assert [word for word in words() if word in denied.words] == []
    assert [word for word in words() if word.startswith(denied.stems)] == []
    assert [word for word in words() if word.endswith(denied.endings)] == []


@pytest.mark.parametrize(
    "word",
    [
        # Prison slang for gay men, and the slang senses of ordinary words.
        "дырявый", "пассив", "активный", "дырка", "петух", "петушок", "голубой", "опущенный",
        "козел", "пидор", "педик", "зона", "срок", "наркотик", "закладка", "крыса",
        # Words that read as a message on a slip of paper.
        "беги", "помощь", "спасение", "выход", "вокзал", "билет", "граница",
        # The state, war, religion, peoples, the body.
        "полиция", "автомат", "мечеть", "чеченский", "кавказ", "кровь", "грудь",
    ],
)  # fmt: skip
def test_the_deny_list_names_what_the_criteria_rule_out(script, word):
    assert script.read_deny_list().denies(word)


def test_the_deny_list_is_generous(script):
    denied = script.read_deny_list()
    assert len(denied.words) + len(denied.stems) >= 1000


def test_the_first_list_is_kept_exactly_as_codenames_were_issued_from_it():
    digest = hashlib.sha256(FIRST_WORDS_FILE.read_bytes()).hexdigest()
    assert digest == FIRST_LIST_SHA256
    assert len(set(first_words())) == 2048


def test_the_rebuild_keeps_most_of_the_first_list_and_drops_the_slurs():
    kept = set(words()) & set(first_words())
    assert len(kept) > 1024
    assert {"дырявый", "пассив", "активный", "дырка"} <= set(first_words()) - set(words())
