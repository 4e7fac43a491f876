"""Source intake: reading a text, deciding whether it can be parsed, and measuring it first.

Below the analysis: ``shapelint.analysis`` and ``shapelint.notebook`` import
from here, never the other way round.
"""
