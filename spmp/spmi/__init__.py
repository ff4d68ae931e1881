"""SPMI: the school's yearly internal quality cycle (PBD: Identifikasi, Refleksi, Benahi) on the engine.

Importing the package registers the cycle workflow's guards and actions with the engine (see
``spmp.spmi.workflow``), so that ``workflows/spmi_cycle.yaml`` validates wherever SPMI is loaded.
"""

from spmp.spmi import workflow as _workflow  # noqa: F401  (registers guards and actions)
