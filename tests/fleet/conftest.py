"""Fleet tests: a real nats-server, the real simulator, workers in this process or as child processes."""

from fleet_helpers import anyio_backend, nats_server

__all__ = ["anyio_backend", "nats_server"]  # fixtures, shared with the event server's fleet tests
