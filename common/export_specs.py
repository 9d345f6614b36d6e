from django.utils.translation import gettext_lazy as _

from common.exports import ExportColumn, ExportSpec, export_register
from common.filters import AuditEventFilterSet
from common.roles import READERS
from common.selectors import audit_event_list

export_register(
    ExportSpec(
        name="audit-events",
        title=_("Audit events"),
        columns=(
            ExportColumn("id", "id", kind="number"),
            ExportColumn("occurred_at", "occurred_at", kind="datetime"),
            ExportColumn("actor", "actor_username"),
            ExportColumn("action", "action"),
            ExportColumn("object_type", "object_type"),
            ExportColumn("object_id", "object_id"),
            ExportColumn("object", "object_repr"),
            ExportColumn("before", "before", kind="json"),
            ExportColumn("after", "after", kind="json"),
            ExportColumn("hash", "hash"),
        ),
        queryset=lambda user: audit_event_list().order_by("id"),
        filterset_class=AuditEventFilterSet,
        read_roles=READERS,
    )
)
