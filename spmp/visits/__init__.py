"""Widyaprada visits: the calendar of planned and actual visit dates (multi-day trips included), the
warnings raised while planning one (same school that week, same Widyaprada that day, national holiday or
cuti bersama, school holiday of the province), and the school holidays recorded per province."""
