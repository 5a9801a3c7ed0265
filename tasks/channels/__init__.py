"""Contact channels behind one interface (base.Sender): the SMS file outbox and HTTP provider,
debtor e-mail over SMTP or to its outbox, and a recording fake for tests. The real part behind
each channel is chosen by the environment (settings.senders_from_env)."""

from tasks.channels.base import OutMessage, Sender, SendResult
from tasks.channels.recording import RecordingSender
from tasks.channels.settings import senders_from_env

__all__ = ["OutMessage", "RecordingSender", "SendResult", "Sender", "senders_from_env"]
