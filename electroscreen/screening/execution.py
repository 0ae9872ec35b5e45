"""How the batches of a screening run: in this process, or on a Dask cluster.

:func:`batch_runner` returns a context manager yielding ``run(batches)``, an iterator of
``(index, frame)`` per finished batch: in-process it loads both models once and calls
:func:`~electroscreen.screening.batch.process_batch`; on Dask (``workers``, ``scheduler`` or a
``cluster`` spec) each worker loads the models by URI
(:func:`~electroscreen.screening.batch.process_batch_by_uri`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from electroscreen.screening.batch import (
    check_temperature,
    process_batch,
    process_batch_by_uri,
)
from electroscreen.screening.objective_columns import check_cathode
from electroscreen.screening.prediction_memo import ScreeningMemos
from electroscreen.screening.screen_config import ScreeningConfig

if TYPE_CHECKING:
    import pandas as pd

    from electroscreen.screening.inputs import Batch

__all__ = ["batch_runner", "runs_locally"]


def runs_locally(workers: int | None, scheduler: str | None, cluster: tuple | None) -> bool:
    """Whether batches run in this process (no local cluster, scheduler or batch-job cluster):
    then the models the batches load are this process's to reuse."""
    return workers is None and scheduler is None and cluster is None


def batch_runner(
    config: ScreeningConfig,
    model_uris: dict[str, str],
    tracking_uri: str,
    device: str,
    workers: int | None,
    scheduler: str | None,
    cluster: tuple | None = None,
    model_digests: dict[str, str] | None = None,
) -> AbstractContextManager[Callable[[Iterable[Batch]], Iterator[tuple[int, pd.DataFrame]]]]:
    """A context manager yielding ``run(batches) -> iterator of (index, frame)``; every process
    loads the models only if their files have ``model_digests`` (those the screening recorded)."""
    digests = model_digests or {}
    from contextlib import contextmanager

    @contextmanager
    def serial():
        from electroscreen.screening.batch import cached_predictor

        conductivity = cached_predictor(
            model_uris["conductivity"], tracking_uri, device, digests.get("conductivity")
        )
        stability = cached_predictor(
            model_uris["air_stability"], tracking_uri, device, digests.get("air_stability")
        )
        check_temperature(conductivity, config.temperature_c)

        def run(batches):
            memos = ScreeningMemos()  # this screening's formulas computed once (prediction_memo)
            for batch in batches:
                yield (
                    batch.index,
                    process_batch(
                        batch,
                        config.filters,
                        conductivity,
                        stability,
                        config.temperature_c,
                        config.objectives,
                        memos,
                    ),
                )

        yield run

    @contextmanager
    def distributed():
        from electroscreen.screening.cluster import cluster_client
        from electroscreen.screening.distributed import dask_client, map_batches

        make = cluster_client(*cluster) if cluster else dask_client(workers, scheduler)
        with make as client:

            def run(batches):
                yield from map_batches(
                    client, process_batch_by_uri, batches,
                    config.filters, model_uris, tracking_uri, device, config.temperature_c,
                    config.objectives, digests,
                )  # fmt: skip

            yield run

    check_cathode(config.objectives)
    local = runs_locally(workers, scheduler, cluster)
    if not local and config.temperature_c != 25.0:  # the workers would only mark every row
        from electroscreen.screening.batch import cached_predictor

        check_temperature(
            cached_predictor(
                model_uris["conductivity"], tracking_uri, "cpu", digests.get("conductivity")
            ),
            config.temperature_c,
        )
    return serial() if local else distributed()
