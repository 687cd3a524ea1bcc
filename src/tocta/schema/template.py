"""Excel submission templates, derived from the record model.

A template has a data sheet whose headers are the field labels (so a filled-in template
ingests with no mapping), dropdowns for codelists (kept on a hidden ``codelists`` sheet), and a
``fields`` sheet describing each field. Derived and system fields are left out.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from tocta.schema.model import RecordType
from tocta.schema.types import TYPES

TEMPLATE_ROWS = 2000


def build_template(rt: RecordType) -> Workbook:
    """A workbook for submitting records of ``rt``."""
    workbook = Workbook()
    data = workbook.active
    assert data is not None
    data.title = rt.plural[:31]
    lists = workbook.create_sheet("codelists")
    about = workbook.create_sheet("fields")
    header_font = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FFF2CC")
    fields = [f for f in rt.fields if f.is_input]
    list_col = 0
    for i, f in enumerate(fields, start=1):
        cell = data.cell(row=1, column=i, value=f.label)
        cell.font = header_font
        if f.required:
            cell.fill = required_fill
        cell.comment = Comment(f"{f.description}" + (" (required)" if f.required else ""),
                               "tocta")
        data.column_dimensions[get_column_letter(i)].width = max(12, min(40, len(f.label) + 4))
        codes = TYPES[f.type].codelist(f)
        if codes and not f.multiple:
            list_col += 1
            letter = get_column_letter(list_col)
            lists.cell(row=1, column=list_col, value=f.name)
            for j, code in enumerate(codes, start=2):
                lists.cell(row=j, column=list_col, value=code)
            rule = DataValidation(
                type="list", formula1=f"=codelists!${letter}$2:${letter}${len(codes) + 1}",
                allow_blank=not f.required, showErrorMessage=True,
                errorTitle=f.label, error=f"Choose one of the listed values for {f.label}.",
            )
            column = get_column_letter(i)
            rule.add(f"{column}2:{column}{TEMPLATE_ROWS + 1}")
            data.add_data_validation(rule)
    data.freeze_panes = "A2"
    lists.sheet_state = "hidden"
    headings = ["Column", "Field", "Type", "Required", "Description", "Example"]
    for j, text in enumerate(headings, start=1):
        about.cell(row=1, column=j, value=text).font = header_font
    for i, f in enumerate(fields, start=2):
        values = [f.label, f.name, TYPES[f.type].doc + (" Several: separate with ';'."
                                                        if f.multiple else ""),
                  "yes" if f.required else "", f.description, f.example or ""]
        for j, value in enumerate(values, start=1):
            about.cell(row=i, column=j, value=value).alignment = Alignment(wrap_text=True,
                                                                           vertical="top")
    for letter, width in zip("ABCDEF", (22, 20, 36, 9, 70, 18), strict=True):
        about.column_dimensions[letter].width = width
    return workbook
