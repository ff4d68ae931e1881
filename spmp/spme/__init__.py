"""SPME: external quality assurance — BAN-PDM accreditation history and field visits, Pemda supervision
and development-partner visits. Importing the package registers the visit workflow's guards/actions."""

from spmp.spme import workflow as _workflow  # noqa: F401  (registers guards and actions)
