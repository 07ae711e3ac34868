"""The NLU component that calls a message of never-seen words unclear (rasa_server/unknown_words.py)."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_server.unknown_words import UnknownWordsClassifier, words

TRAINING = [
    "Comment commander ma carte Vitale ?",
    "I lost my health card",
    "thanks a lot",
    "merci beaucoup",
    "Je suis étudiant",
    "where is the nearest médecin traitant",
]


@pytest.fixture
def trained(tmp_path) -> tuple[UnknownWordsClassifier, LocalModelStorage, Resource]:
    storage, resource = LocalModelStorage(tmp_path), Resource("unknown_words")
    context = ExecutionContext(GraphSchema({}), "test")
    component = UnknownWordsClassifier.create(UnknownWordsClassifier.get_default_config(), storage, resource, context)
    component.train(TrainingData([Message(data={"text": text, "intent": "x"}) for text in TRAINING]))
    loaded = UnknownWordsClassifier.load(UnknownWordsClassifier.get_default_config(), storage, resource, context)
    return loaded, storage, resource


def diet_says(text: str, intent: str = "thank", confidence: float = 0.9) -> Message:
    return Message(
        data={
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": [{"name": intent, "confidence": confidence}],
        }
    )


def test_words_fold_case_and_accents():
    assert words("Médecin TRAITANT, 30 € ; à") == {"medecin", "traitant"}


@pytest.mark.parametrize("text", ["blorp zzkt wibble", "qwxx vrrb plonk", "Xyzzy!"])
def test_a_message_of_unknown_words_becomes_unclear(trained, text):
    component, _, _ = trained
    [message] = component.process([diet_says(text)])
    assert message.get("intent") == {"name": "nlu_fallback", "confidence": 1.0}
    # DIET's guesses stay behind it in the ranking (the clarification may suggest them).
    assert [entry["name"] for entry in message.get("intent_ranking")] == ["nlu_fallback", "thank"]


@pytest.mark.parametrize(
    "text",
    [
        "carte vitalle perdue",  # one known word, typos elsewhere: DIET decides
        "MERCI",  # case
        "JE SUIS ETUDIANTE",  # case and accents folded: "je", "suis" were seen
        "30",
        "🙂🙂🙂",
        "",
        '/inform{"price": "30"}',
    ],
)
def test_messages_with_a_known_word_or_no_word_are_left_to_diet(trained, text):
    component, _, _ = trained
    [message] = component.process([diet_says(text)])
    assert message.get("intent") == {"name": "thank", "confidence": 0.9}


def test_the_vocabulary_is_kept_in_the_model(trained):
    component, storage, resource = trained
    assert {"vitale", "etudiant", "medecin", "merci"} <= component.vocabulary
    context = ExecutionContext(GraphSchema({}), "test")
    again = UnknownWordsClassifier.load({"min_letters": 2}, storage, resource, context)
    assert again.vocabulary == component.vocabulary


def test_an_untrained_component_leaves_everything_to_diet(tmp_path):
    context = ExecutionContext(GraphSchema({}), "test")
    component = UnknownWordsClassifier.load({}, LocalModelStorage(tmp_path), Resource("nothing"), context)
    [message] = component.process([diet_says("blorp zzkt")])
    assert message.get("intent")["name"] == "thank"


@pytest.mark.parametrize("text", ["thanking you", "commandez", "Vitales"])
def test_a_known_word_with_another_ending_is_not_noise(trained, text):
    component, _, _ = trained
    [message] = component.process([diet_says(text)])
    assert message.get("intent")["name"] == "thank"
