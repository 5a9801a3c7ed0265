"""The case store: SQLModel tables (one concept a module), engine and session, migrations.

Importing this package registers every table on `SQLModel.metadata`.
"""

from models.account import CardAccount
from models.audit import AuditEntry
from models.case import Case
from models.contact import Contact
from models.credential import LoginFailure, UserCredential
from models.customer import ContactPoint, Customer
from models.cycle import CycleAction, CycleRun
from models.dispute import Dispute
from models.document import Document, DocumentNumber, DocumentSequence
from models.import_run import ImportRun, QuarantinedRow
from models.legal_event import LegalEventRow
from models.milestone import Milestone
from models.payment import Payment
from models.placement import Placement
from models.plan import PlanInstallment, RepaymentPlan
from models.policy_version import PolicyVersion
from models.promise import Promise
from models.review import Review
from models.snapshot import BalanceSnapshot
from models.timeline import TimelineEvent

__all__ = [
    "AuditEntry",
    "BalanceSnapshot",
    "CardAccount",
    "Case",
    "Contact",
    "ContactPoint",
    "Customer",
    "CycleAction",
    "CycleRun",
    "Dispute",
    "Document",
    "DocumentNumber",
    "DocumentSequence",
    "ImportRun",
    "LegalEventRow",
    "LoginFailure",
    "Milestone",
    "Payment",
    "Placement",
    "PlanInstallment",
    "PolicyVersion",
    "Promise",
    "QuarantinedRow",
    "RepaymentPlan",
    "Review",
    "TimelineEvent",
    "UserCredential",
]
