"""The kinds of exercise question, one module each.

Each kind judges one kind of answer and explains a wrong one concretely:

* :class:`ValueQuestion` — a number (a closed form: a chain's availability, a
  latency sum, Little's law), with known mistakes recognised by their value
  ("0.9801: did you multiply all four?") and a simulation as evidence;
* :class:`ChoiceQuestion` — one letter of a multiple choice, with a reason for
  each wrong option;
* :class:`ClassifyQuestion` — a dict from items to labels (interactions to
  *sync*, *queue* or *callback*), judged item by item;
* :class:`PredictQuestion` — a number predicted *before* a simulation runs;
  the check runs it and compares (and never shows the result before a
  prediction is written);
* :class:`FunctionQuestion` — a learner's function, called on several cases
  (some of them simulation runs) with a time limit on every call, its known
  wrong results recognised as :class:`Mistake` s too;
* :class:`ScenarioQuestion` — settings that must make a scenario meet its goals.

Expected values are functions, called when first needed (and cached), so that
importing an exercise module is instant and every number comes from the
kit's theory or simulation at check time.
"""

from .choice import ChoiceQuestion
from .classify import ClassifyQuestion
from .function import Case, FunctionQuestion, number_judge
from .mistakes import Mistake
from .predict import PredictQuestion
from .scenario import Goal, ScenarioQuestion
from .value import ValueQuestion

__all__ = [
    "Mistake",
    "ValueQuestion",
    "ChoiceQuestion",
    "ClassifyQuestion",
    "PredictQuestion",
    "Case",
    "FunctionQuestion",
    "number_judge",
    "Goal",
    "ScenarioQuestion",
]
