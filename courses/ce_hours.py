"""How the course's CE hours are calculated (documented in docs/CE_HOURS.md).

Pure functions: reading time at a stated rate plus assessment and evaluation
time, rounded down to the half hour, so that the hours never exceed the
honest estimate.
"""

import math
from decimal import Decimal

READING_WORDS_PER_MINUTE = 150
MINUTES_PER_ASSESSMENT_ITEM = 1
EVALUATION_MINUTES = 10


def lesson_minutes(words):
    return math.ceil(words / READING_WORDS_PER_MINUTE)


def total_minutes(*, lesson_words, assessment_items):
    reading = sum(lesson_minutes(words) for words in lesson_words)
    return reading + assessment_items * MINUTES_PER_ASSESSMENT_ITEM + EVALUATION_MINUTES


def ce_hours(*, lesson_words, assessment_items):
    minutes = total_minutes(lesson_words=lesson_words, assessment_items=assessment_items)
    return Decimal(math.floor(minutes / 30)) / 2
