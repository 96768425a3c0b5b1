"""The model server, its deploy receiver and the nginx front (README.md)."""
