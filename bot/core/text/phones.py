"""Phone numbers out of text that staff see: families type their own (or a school's) in
messages, and a REST client may use one as a conversation id.

Matched: 7 to 15 digits written as a phone number is (+1 (555) 010-4477, 555.010.4477,
55 1234 5678, +34 612 345 678, 5550104477, 010-4477). Not matched: readings and doses ("120 130 145",
"bg 19.5", "2 units"), dates and times. When in doubt the text loses a number, never
the other way round: the clinic's own number in a reply is masked too.
"""

import re

MASK = "[phone number]"

_PHONE = re.compile(
    r"""
    (?<![\w+])
    (?:
        \+\d[\d\s().-]{6,}\d                          # international, any grouping
      |
        \d{7,15}                                     # one run of digits
      |
        (?:\+\d{1,3}[\s.-]?)?                        # country code
        (?:\(\d{2,4}\)[\s.-]?|\d{2,4}[\s.-])?        # area code
        \d{3,4}[\s.-]\d{4}                           # local number
    )
    (?![\w])
    """,
    re.VERBOSE,
)


def redact_phone_numbers(text: str) -> str:
    return _PHONE.sub(MASK, text)
