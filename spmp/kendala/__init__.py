"""Kendala Lapangan: field obstacles reported on a school, usually about a programme case (workflow
``workflows/kendala.yaml``, shared by Revitalisasi and Digitalisasi). ``operations.report_obstacle`` opens
one with its category, description and photos; ``queries`` lists a unit's obstacles."""
