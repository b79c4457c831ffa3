"""Placeholder: this stage's tasks are declared here with `workers.app.task`."""
