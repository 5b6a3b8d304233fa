"""Answers are Markdown: rendered to HTML, then cleaned with an allow-list, so that neither a
model nor a person can put scripts, event handlers or htmx attributes into a page."""

import re

import markdown as markdown_lib
import nh3
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td", "del",
}  # fmt: skip
# Every other attribute (on*, hx-*, style, class…) is dropped.
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str) -> SafeString:
    html = markdown_lib.markdown(text, extensions=["fenced_code", "tables", "sane_lists"])
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(cleaned)  # cleaned by the allow-list just above


# Markup that an excerpt drops: images and links keep their text, emphasis and code marks,
# heading and quote markers, list bullets and table rules go.
_IMAGES_AND_LINKS = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_LINE_MARKERS = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+|```.*$)", re.MULTILINE)
# The lookahead lets the search skip, in one character test, the positions where no mark
# can start (a page of excerpts spent about 2 ms in this expression without it).
_INLINE_MARKS = re.compile(r"(?=[*_`~|])(\*+|(?<!\w)_+|_+(?!\w)|`+|~~|\|)")


def markdown_to_text(text: str) -> str:
    """The words of a Markdown text without its markup, on one line, for excerpts. A few
    regular expressions, not a full render: the Feedback tab shows dozens of excerpts a page.
    The result is plain text, to be escaped like any other."""
    text = _IMAGES_AND_LINKS.sub(r"\1", text)
    text = _LINE_MARKERS.sub("", text)
    text = _INLINE_MARKS.sub("", text)
    return " ".join(strip_tags(text).split())
