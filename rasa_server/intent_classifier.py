"""NLU component: the intent from a linear model over the sparse features, without TensorFlow (issue 18).

Rasa 3.6's ``LogisticRegressionClassifier`` (over each message's sentence features: the word and character n-gram
counts, the regex and lexical features of config.yml) with what it does not let one set: the regularisation ``C``
(its fixed 1.0 gave softer, less accurate intents) and more iterations for the solver to converge. ``C`` = 10 was
chosen among 1, 3 and 10 on the held-out NLU set (docs/dialogue.md); scaling each message's features to unit
length was tried and lost English intents. Trained with a fixed seed: the same data give the same model
(scripts/compare_models.py).

Compared with DIET (docs/benchmarks.md, 3 Dec): the same intent F1 or better on the held-out sets, a parse in
about a fifth of the time, training in seconds, and no TensorFlow graph in the rasa server's memory. Entities are
CRFEntityExtractor's (config.yml).

Rasa side only (config.yml names it ``rasa_server.intent_classifier.LinearIntentClassifier``).
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LinearIntentClassifier(LogisticRegressionClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**LogisticRegressionClassifier.get_default_config(), "C": 10.0, "max_iter": 1000}

    def __init__(
        self,
        config: dict[str, Any],
        name: str,
        model_storage: ModelStorage,
        resource: Resource,
    ) -> None:
        super().__init__(config, name, model_storage, resource)
        self.clf.set_params(C=float(self.config["C"]))
