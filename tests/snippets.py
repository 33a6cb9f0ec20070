"""The snippets a notebook's text tells the learner to type (``solution("00-1")``): found by
:func:`statelab.site.snippets.snippets`, which the site's build runs too."""

from statelab.site.snippets import snippets

__all__ = ["snippets"]
