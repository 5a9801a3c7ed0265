"""Registered letters (issue 17 item 2): the day's mail batch and the post office's results.

`mail_batch` (tasks/mail/batch.py) posts the action lines the dispatcher queued for the mail
channel: one printable PDF plus the manifest the post office needs, one `Contact` per letter,
the line `sent`, a `letter_sent` timeline event. `import_deliveries` (tasks/mail/delivered.py)
reads the post office's results: a delivered letter is an effective demand (`demand_delivered`),
a returned one (退件) is not (`letter_returned`).
"""

from tasks.mail.batch import MailReport, mail_batch
from tasks.mail.delivered import DeliveryReport, import_deliveries

__all__ = ["DeliveryReport", "MailReport", "import_deliveries", "mail_batch"]
