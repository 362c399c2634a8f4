"""The start page: per role, what the signed-in person has to do now (see start/selectors.py)."""
