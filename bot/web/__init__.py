"""The clinic page with the chat widget (`python -m bot.web`)."""
