"""The SMS channel (Twilio-compatible): `bot.channels.sms.SmsInput` in credentials.yml.

channel.py receives and answers, format.py splits texts and reads keywords,
security.py checks signatures and hashes numbers, sender.py calls the provider,
store.py keeps what SMS needs in the app database, texts.py loads knowledge/sms.yml.
"""

from bot.channels.sms.channel import SmsInput, SmsOutput

__all__ = ["SmsInput", "SmsOutput"]
