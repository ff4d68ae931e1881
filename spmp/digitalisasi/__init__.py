"""Digitalisasi Pembelajaran (issue 14): targets and readiness, delivery and receipt, Bimtek."""
