"""A questionnaire: factors, items on a 10-point scale, and the outcome questions."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

LANGUAGES = ("zh-CN", "en")


class Text(BaseModel):
    model_config = ConfigDict(populate_by_name=True, frozen=True)
    zh_cn: str = Field(alias="zh-CN")
    en: str

    def in_language(self, language: str) -> str:
        return self.en if language == "en" else self.zh_cn


class Factor(BaseModel):
    model_config = ConfigDict(frozen=True)
    code: str
    name: Text


class Item(BaseModel):
    model_config = ConfigDict(frozen=True)
    code: str
    factor: str
    text: Text
    na_allowed: bool = False


class Outcome(BaseModel):
    """Overall satisfaction and the loyalty questions; asked of everyone, never N/A."""

    model_config = ConfigDict(frozen=True)
    code: str
    text: Text
    required: bool = True


class Questionnaire(BaseModel):
    model_config = ConfigDict(frozen=True)
    code: str
    version: int
    scale: dict[str, int | Text]
    factors: list[Factor]
    items: list[Item]
    outcomes: list[Outcome]

    def scale_label(self, end: Literal["min_label", "max_label"], language: str, question: str | None = None) -> str:
        """The words at one end of the scale, in a language: a question's own (`scale["<code>.min_label"]`, as the
        likelihood questions have: "very unlikely" is not "very dissatisfied") if it has them, else the scale's."""
        label = self.scale.get(f"{question}.{end}", self.scale[end]) if question else self.scale[end]
        assert isinstance(label, Text), f"the scale's {end} is a text"
        return label.in_language(language)

    def item(self, code: str) -> Item | None:
        return next((i for i in self.items if i.code == code), None)
