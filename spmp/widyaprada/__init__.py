"""Widyaprada tasks (case type ``widyaprada_task``): the five duties of Permendikbud 37/2020 on a school, a
group of schools or a regency, with their report and the follow-up actions addressed to schools."""
