"""Reading families' messages, shared by escalation and understanding: normalisation
(normalise.py), words with lemmas, texting forms and typo repair (words.py),
numbers written as words (numbers.py) and a small pattern language over word
tokens (patterns.py). No Rasa, no lexicon of its own: each user brings its words.
"""
