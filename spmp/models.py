"""Imports every model so that metadata (and Alembic's autogenerate) sees all tables."""

from spmp.accounts.models import LoginThrottle, SchoolAssignment, User  # noqa: F401
from spmp.audit import AuditEvent  # noqa: F401
from spmp.audit.seals import AuditNode, AuditPending, AuditSeal, AuditTreeHead  # noqa: F401
from spmp.db import Base  # noqa: F401
from spmp.digitalisasi.field_models import (  # noqa: F401
    SosialisasiAttendee,
    SosialisasiEvent,
    SosialisasiMaterial,
    UsageObstacle,
    UsageReminder,
    UsageReport,
    VervalCase,
)  # fmt: skip
from spmp.digitalisasi.models import (  # noqa: F401
    BimtekInvite,
    BimtekParticipant,
    BimtekSession,
    Device,
    DigitalTarget,
    Handover,
    SafeRoom,
    Shipment,
)  # fmt: skip
from spmp.engine.cases import CaseComment, CaseDeadline, CaseEvidence, CaseRecord  # noqa: F401
from spmp.kendala.models import Obstacle  # noqa: F401
from spmp.notifications.models import Notification, OutboxMessage, SchedulerLock  # noqa: F401
from spmp.regions.models import Province, Regency, T3Entry, T3List, Unit, UnitCoverage  # noqa: F401
from spmp.revitalisasi.execution import (  # noqa: F401
    ExecutionDocument,
    P2spMember,
    ProgressPhoto,
    ProgressReport,
    Tranche,
)
from spmp.revitalisasi.models import (  # noqa: F401
    RevitalisasiDamage,
    RevitalisasiPhoto,
    RevitalisasiProposal,
    RevitalisasiRoom,
)
from spmp.revitalisasi.selection_models import SelectionItem, SelectionRun, SelectionSetting  # noqa: F401
from spmp.schools.models import BentukPendidikan, School  # noqa: F401
from spmp.spme.models import AccreditationRecord, AccreditationVisit, ExternalVisit  # noqa: F401
from spmp.spmi.models import (  # noqa: F401
    RaporIndicator,
    SpmiActivity,
    SpmiCycle,
    SpmiEvaluation,
    SpmiPriority,
    SpmiProgress,
    SpmiReviewNote,
    SpmiRootCause,
    SpmiStandard,
)  # fmt: skip
from spmp.visits.models import SchoolHoliday, Visit  # noqa: F401
from spmp.widyaprada.models import FollowUpAction, WidyapradaTask, WidyapradaTaskSchool  # noqa: F401
