"""Widget attributes shared by the staff forms."""

# Personal text: a browser must neither keep nor send off for spell-checking what was typed.
PRIVATE = {"autocomplete": "off", "spellcheck": "false"}
