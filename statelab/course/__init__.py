"""The course's own content: exercises with hints and solutions, and a small cart service.

``statelab.exercises`` and ``statelab.cart`` are the names the notebooks import.
"""
