"""Reading vitals from clinics' CSV files: pure and vectorized, no Streamlit and no database."""

from dashboard.core.csvfile.columns import FIELD_LABELS, FIELDS
from dashboard.core.csvfile.errors import NeedsSetting, UnusableFile
from dashboard.core.csvfile.parse import parse_file, read_header
from dashboard.core.csvfile.result import ImportOptions, ImportProblem, ParsedFile
from dashboard.core.csvfile.template import TEMPLATE_COLUMNS, export_csv, neutralise, safe_file_name, template_csv

__all__ = ["FIELDS", "FIELD_LABELS", "ImportOptions", "ImportProblem", "NeedsSetting", "ParsedFile",
           "TEMPLATE_COLUMNS", "UnusableFile", "export_csv", "neutralise", "parse_file", "read_header",
           "safe_file_name", "template_csv"]
