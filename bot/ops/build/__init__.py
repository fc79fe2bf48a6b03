"""Build steps run by `python -m bot build` before training: the spaCy pipeline and generated Rasa files."""
