"""The course as a static website (``make site``): every notebook a page whose views play
with no kernel, and a Lab that answers from a grid of runs made when the site is built.

See :mod:`statelab.site.build`. Nothing here is used by the course itself.
"""
