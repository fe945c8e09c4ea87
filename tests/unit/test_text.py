"""User-entered text is shown literally: markdown, HTML, links and colour directives do not run."""

import pytest

from dashboard.components.text import md_escape


@pytest.mark.parametrize("raw, shown", [
    ("<script>alert(1)</script>", r"\<script\>alert\(1\)\</script\>"),
    ("**bold** _it_", r"\*\*bold\*\* \_it\_"),
    ("[click](javascript:alert(1))", r"\[click\]\(javascript:alert\(1\)\)"),
    (":red[alarm] $x^2$", r":red\[alarm\] \$x^2\$"),
    ("# heading", r"\# heading"),
    ("- item\n1. first", "\\- item\n1\\. first"),
    ("S-0001 · P-1001", "S-0001 · P-1001"),
])
def test_markdown_is_escaped(raw, shown):
    assert md_escape(raw) == shown
