"""Every write of the payments app, one module per area, one function per use case.

common.py holds what the areas share: locking a grant, running a transition with its permission,
storing an immutable notice, and the addresses mail goes to.
"""
