"""People's accounts: ministry staff create, invite, edit and deactivate users (role + affiliation), from the
browser (views.py) and the API (api/), over the same services; everyone changes their own password and can
reset it by mail through Django's own views. Roles come from common.roles, affiliations from consortia, so
this lives in consortia (it may import common; common imports no app of ours)."""
