"""The SMS channel (Twilio-compatible): `bot.channels.sms.SmsInput` in credentials.yml.

channel.py receives (webhook) and collects Rasa's replies, queue.py keeps the
inbox and outbox in the app database, worker.py answers the inbox and sends the
outbox, sender.py makes one call to the provider, store.py holds opt-outs and
offered options, format.py splits texts and reads keywords, security.py checks
signatures, hashes and seals numbers, texts.py loads knowledge/sms.yml.
"""

from bot.channels.sms.channel import SmsInput, SmsOutput

__all__ = ["SmsInput", "SmsOutput"]
