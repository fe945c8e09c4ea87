"""Showing user-entered text safely: never as markdown or HTML that runs."""

import re

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=])")


def md_escape(text: object) -> str:
    """Escape markdown so user text (notes, codes, values) shows literally inside st.markdown/st.error."""
    return _MARKDOWN.sub(r"\\\1", str(text))
