"""Revitalisasi Sekolah (Inpres 7/2025): proposals, verval, selection and execution."""
