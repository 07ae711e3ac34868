"""The intent classifier of the rasa server (rasa_server/intent_classifier.py): its settings are applied, it learns
the intents, it is saved and loaded as trained, and the same data give the same model."""

from __future__ import annotations

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import CountVectorizer

from rasa_server.intent_classifier import LinearIntentClassifier

TRAINING = {
    "ask_cost": ["how much is a GP visit", "combien coûte le dentiste", "what will I pay for glasses", "prix kiné"],
    "greet": ["hello", "bonjour", "hi there", "salut"],
    "emergency": ["my child can't breathe", "au secours il saigne", "chest pain help", "urgence mon père"],
}
VECTORS = CountVectorizer(analyzer="char_wb", ngram_range=(2, 5)).fit(
    [text for texts in TRAINING.values() for text in texts]
)


def featurised(text: str, intent: str | None = None) -> Message:
    message = Message(data={TEXT: text, **({"intent": intent} if intent else {})})
    message.add_features(Features(VECTORS.transform([text]).tocoo(), "sentence", TEXT, "test"))
    return message


def training_data() -> TrainingData:
    return TrainingData([featurised(text, intent) for intent, texts in TRAINING.items() for text in texts])


def train(storage_dir, config: dict | None = None) -> tuple[LinearIntentClassifier, LinearIntentClassifier]:
    storage_dir.mkdir(parents=True, exist_ok=True)
    storage, resource = LocalModelStorage(storage_dir), Resource("intent")
    context = ExecutionContext(GraphSchema({}), "test")
    settings = {**LinearIntentClassifier.get_default_config(), **(config or {})}
    component = LinearIntentClassifier.create(settings, storage, resource, context)
    component.train(training_data())
    return component, LinearIntentClassifier.load(settings, storage, resource, context)


def ranking(component: LinearIntentClassifier, text: str) -> list[tuple[str, float]]:
    message = component.process([featurised(text)])[0]
    return [(entry["name"], entry["confidence"]) for entry in message.get("intent_ranking")]


def test_the_regularisation_and_the_iterations_are_the_configured_ones(tmp_path):
    component, _ = train(tmp_path / "a")
    assert component.clf.C == 10.0 and component.clf.max_iter == 1000
    softer, _ = train(tmp_path / "b", {"C": 0.5})
    assert softer.clf.C == 0.5


@pytest.mark.parametrize(
    "text, intent",
    [("how much for the dentist", "ask_cost"), ("bonjour !", "greet"), ("help my father has chest pain", "emergency")],
)
def test_it_learns_the_intents_and_loads_as_trained(tmp_path, text, intent):
    component, loaded = train(tmp_path)
    assert ranking(component, text)[0][0] == intent
    assert ranking(loaded, text) == ranking(component, text)


def test_a_higher_c_gives_sharper_intents(tmp_path):
    sharp, _ = train(tmp_path / "sharp", {"C": 10.0})
    soft, _ = train(tmp_path / "soft", {"C": 0.1})
    assert ranking(sharp, "how much for the dentist")[0][1] > ranking(soft, "how much for the dentist")[0][1]


def test_the_same_data_give_the_same_model(tmp_path):
    first, _ = train(tmp_path / "first")
    second, _ = train(tmp_path / "second")
    assert np.array_equal(first.clf.coef_, second.clf.coef_)
    assert ranking(first, "salut, combien pour le kiné ?") == ranking(second, "salut, combien pour le kiné ?")
