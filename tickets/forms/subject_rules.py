"""Microimpuls: "the subject must be a concrete description; empty or generic subjects are refused"."""

from __future__ import annotations

import re

MIN_SUBJECT_LETTERS = 8

# Compared after lower-casing, dropping punctuation and squeezing spaces.
GENERIC_SUBJECTS = frozenset(
    {
        "помогите",
        "помощь",
        "нужна помощь",
        "помогите пожалуйста",
        "пожалуйста помогите",
        "вопрос",
        "есть вопрос",
        "у меня вопрос",
        "вопрос по работе",
        "проблема",
        "есть проблема",
        "у нас проблема",
        "проблемы",
        "ошибка",
        "ошибки",
        "сбой",
        "не работает",
        "ничего не работает",
        "всё сломалось",
        "все сломалось",
        "нет темы",
        "без темы",
        "тема",
        "заявка",
        "новая заявка",
        "обращение",
        "запрос",
        "срочно",
        "очень срочно",
        "важно",
        "здравствуйте",
        "добрый день",
        "привет",
        "help",
        "help me",
        "please help",
        "question",
        "problem",
        "issue",
        "error",
        "urgent",
        "no subject",
        "subject",
        "request",
        "hello",
        "hi",
        "test",
        "тест",
    }
)

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise_subject(subject: str) -> str:
    return " ".join(_NON_WORD.sub(" ", subject.lower().replace("ё", "е")).split())


def is_generic_subject(subject: str) -> bool:
    """True for an empty, generic ("Помогите!", "ВОПРОС?", "нет темы") or too short subject."""
    normalised = normalise_subject(subject)
    if not normalised:
        return True
    if normalised in {normalise_subject(s) for s in GENERIC_SUBJECTS}:
        return True
    letters = sum(ch.isalpha() for ch in normalised)
    return letters < MIN_SUBJECT_LETTERS and len(normalised.split()) < 2
