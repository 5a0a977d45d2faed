"""Reads of the enterprise pool: :mod:`.pool` (scoping, search, dossiers) and :mod:`.pages` (what
the enterprise pages and the home page's section show). Other apps import from here."""

from lingjun.apps.enterprises.selectors.pages import (
    EnterpriseProfile,
    ListRow,
    PoolSummary,
    enterprise_changes,
    enterprise_list_page,
    enterprise_profile,
    home_context,
    pool_summary,
)
from lingjun.apps.enterprises.selectors.pool import (
    UNKNOWN_ENTERPRISE,
    EnterpriseFilters,
    change_requests_visible_to,
    demo_login_targets,
    dossier_version,
    dossiers_export,
    dossiers_load,
    enterprise_id_by_uscc,
    enterprises_editable_by,
    enterprises_search,
    enterprises_visible_to,
    qualification_rows,
    qualification_valid_on,
)

__all__ = [
    "UNKNOWN_ENTERPRISE",
    "EnterpriseFilters",
    "EnterpriseProfile",
    "change_requests_visible_to",
    "ListRow",
    "PoolSummary",
    "demo_login_targets",
    "dossiers_export",
    "dossier_version",
    "dossiers_load",
    "enterprise_changes",
    "enterprise_id_by_uscc",
    "enterprise_list_page",
    "enterprise_profile",
    "enterprises_editable_by",
    "enterprises_search",
    "enterprises_visible_to",
    "home_context",
    "pool_summary",
    "qualification_rows",
    "qualification_valid_on",
]
