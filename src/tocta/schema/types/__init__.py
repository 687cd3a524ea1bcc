"""Value types: one module per type, registered by name for the record YAML files."""

from __future__ import annotations

from tocta.schema.types.base import ValueType
from tocta.schema.types.codelist import BooleanType, CodelistType
from tocta.schema.types.commodity import CommodityType
from tocta.schema.types.country import CountryType
from tocta.schema.types.date import DateType, YearType
from tocta.schema.types.labels import (
    CurrencyType,
    GradeCodeType,
    IccsType,
    SchemeType,
    TlpType,
)
from tocta.schema.types.number import FractionType, IntegerType, NumberType
from tocta.schema.types.text import TextType
from tocta.schema.types.unit import UnitType

TYPES: dict[str, ValueType] = {
    t.name: t
    for t in (
        TextType(), NumberType(), IntegerType(), FractionType(), DateType(), YearType(),
        CountryType(), CommodityType(), UnitType(), CodelistType(), BooleanType(),
        TlpType(), SchemeType(), GradeCodeType(), IccsType(), CurrencyType(),
    )
}

__all__ = ["TYPES", "ValueType"]
