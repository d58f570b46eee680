"""The planner checked against published campuses: Epoch AI's Frontier Data Centers Hub and
announced facts. `campus` turns observed inputs into a one-site scenario and reads back what the
planner derives; `epoch_sites` and `announced` pick the observations; `report` renders the
tables for docs/validation.md (``python -m gigawatt.validation.report``)."""
