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
            ExportColumn("id", "id", kind="int", label=_("Event id")),
            ExportColumn("occurred_at", "occurred_at", kind="datetime", label=_("occurred at")),
            ExportColumn("actor", "actor_username", label=_("Actor")),
            ExportColumn("action", "action", label=_("Action")),
            ExportColumn("object_type", "object_type", label=_("Object type")),
            ExportColumn("object_id", "object_id", label=_("Object id")),
            ExportColumn("object", "object_repr", label=_("Object")),
            ExportColumn("before", "before", kind="json", label=_("Before")),
            ExportColumn("after", "after", kind="json", label=_("After")),
            ExportColumn("hash", "hash", label=_("Hash")),
        ),
        queryset=lambda user: audit_event_list().order_by("id"),
        filterset_class=AuditEventFilterSet,
        read_roles=READERS,
    )
)
