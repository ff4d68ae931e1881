"""SPMP: workflow and case management for Indonesia's education quality assurance.

The ``spmp`` package is the domain and the engine; it never imports Flask (see ARCHITECTURE.md).
"""
