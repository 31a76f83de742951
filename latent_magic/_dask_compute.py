"""Running a Dask computation for the map: on the active ``distributed.Client`` when there is
one (``Client.current()``), else on Dask's local scheduler; never a client of our own. A lost
worker or a computation past its time raises :class:`ClusterError`, one error the widget can
catch to keep the previous picture and show a notice."""

from __future__ import annotations

from concurrent.futures import CancelledError
from typing import Any

DEFAULT_TIMEOUT_S = 120.0


class ClusterError(RuntimeError):
    """A computation on the cluster failed (a worker died, the scheduler went away, it ran past
    its time). What was shown before stays valid; the request can be retried."""


def current_client() -> Any:
    """The active ``distributed.Client``, or None (then Dask's local scheduler runs the work)."""
    try:
        from distributed import Client
    except ImportError:  # distributed is optional: the local scheduler needs nothing more
        return None
    try:
        return Client.current()
    except ValueError:  # "No clients found"
        return None


def compute(collection: Any, timeout: float | None = DEFAULT_TIMEOUT_S) -> Any:
    """``collection`` computed; on a cluster within ``timeout`` seconds.

    Raises
    ------
    ClusterError
        The cluster lost a worker that held part of the work (``KilledWorker``), the
        connection closed, the work was cancelled (a restarted cluster), or no result came
        within ``timeout`` (the work is then cancelled).
    """
    client = current_client()
    if client is None:
        import dask

        (result,) = dask.compute(collection)
        return result
    from distributed import KilledWorker
    from distributed.comm.core import CommClosedError

    future = client.compute(collection)
    try:
        return future.result(timeout=timeout)
    except KilledWorker as error:
        raise ClusterError(
            f"a Dask worker died while computing ({error}); the previous result stays. "
            "Check the workers' memory and logs, then try again."
        ) from error
    except TimeoutError as error:
        future.cancel()
        raise ClusterError(
            f"the Dask computation did not finish within {timeout:g} s and was cancelled; the "
            "previous result stays."
        ) from error
    except CancelledError as error:  # the cluster was restarted, or the work cancelled
        raise ClusterError(
            f"the Dask computation was cancelled ({error}); the previous result stays."
        ) from error
    except (CommClosedError, OSError) as error:
        raise ClusterError(
            f"the connection to the Dask cluster failed ({type(error).__name__}: {error}); "
            "the previous result stays."
        ) from error
