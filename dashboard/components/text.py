"""Showing user-entered text safely: never as markdown or HTML that runs."""

import re

# Inline markdown, links, HTML, LaTeX and Streamlit's :color[...] directives all need one of these.
_MARKDOWN = re.compile(r"([\\`*_\[\]()#!|<>~$])")
_LIST_MARK = re.compile(r"(^|\n)(\s*)([-+=])")
_NUMBERED = re.compile(r"(^|\n)(\s*\d+)\.")


def md_escape(text: object) -> str:
    """Escape markdown so user text (notes, codes, values) shows literally inside st.markdown/st.error."""
    escaped = _MARKDOWN.sub(r"\\\1", str(text))
    # A line starting with '-', '+', '=' or '1.' would become a list or a heading underline.
    escaped = _LIST_MARK.sub(r"\1\2\\\3", escaped)
    return _NUMBERED.sub(r"\1\2\\.", escaped)
