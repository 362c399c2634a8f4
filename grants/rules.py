"""Who may do what with programs and calls (the `rules` package; asked for by name everywhere)."""

import rules

from accounts.rules import is_admin

# Export and import a program file (grants/transfer.py): the installation's administrators.
rules.add_perm("grants.transfer_program", is_admin)
