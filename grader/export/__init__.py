"""LMS question pools: seeded variants of templates as Moodle XML, Canvas QTI 1.2 or GIFT."""

from __future__ import annotations

from grader.export.pool import FORMATS, ExportResult, TemplateSummary, export_questions

__all__ = ["FORMATS", "ExportResult", "TemplateSummary", "export_questions"]
