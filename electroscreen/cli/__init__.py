"""The ``electroscreen`` command line. Presentation only: the work happens in the subpackages.

The commands live beside this module by subject (``data``, ``screen``, ``models``) and are
registered on ``app`` here, in the order ``--help`` lists them.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys

import typer

from electroscreen.cli.data import data_app, data_info, featurize
from electroscreen.cli.models import serve, train, ui
from electroscreen.cli.screen import card, demo, export, generate, screen
from electroscreen.screening.progress import is_terminal

#: New container objects between two collections of the youngest generation (CPython: 700).
_GC_YOUNG_THRESHOLD = 14_000

app = typer.Typer(
    help="Screening workbench for solid-state battery electrolytes.", no_args_is_help=True
)
app.add_typer(data_app, name="data")
data_app.command("info")(data_info)
app.command("train")(train)
app.command("generate")(generate)
app.command("screen")(screen)
app.command("export")(export)
app.command("card")(card)
app.command("demo")(demo)
app.command("featurize")(featurize)
app.command("ui")(ui)
app.command("serve")(serve)


@app.callback()
def _process_settings() -> None:
    """Process-wide settings, decided here once per command so library code never sets them."""
    # MLflow redraws a download bar on stderr while a model loads; a log should get none.
    if not is_terminal(sys.stderr):
        os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    # OpenMP threads (Numba's parallel kernels) that wait passively instead of spinning: on a
    # machine shared with other jobs, spinning threads fight them for the cores (a screening batch
    # 25 % slower beside one busy process on 2 cores; equal on an idle machine, benchmarks/README).
    # Read when OpenMP loads, which no module imported before this point does; a user's value wins.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    # Arrow's allocator (mimalloc) asks for transparent huge pages, which the kernel zeroes on
    # every first touch: 4-5 s of system time in a 200,000-formula screen, 1.5 with small pages
    # (benchmarks/README). Read when pyarrow loads, after this point; a user's value wins.
    os.environ.setdefault("MIMALLOC_ALLOW_THP", "0")
    # Start-up imports some hundred thousand objects that are never garbage (pandas, scikit-learn,
    # MLflow, Numba); the collector's default pace (a collection per 700 new objects) walked them
    # all 7 times in a screen's first 4 s (0.8 s). Collections 20 times rarer: the same objects
    # freed, cycles a little later (screen also keeps start-up's objects out of them while its
    # batches run: electroscreen/heap.py).
    gc.set_threshold(_GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    # The objects alive at exit (imported libraries, models, result frames) are freed with the
    # process: no final collection walking them (1.3 s after a large screen).
    atexit.register(gc.freeze)


def main() -> None:  # pragma: no cover - console entry point
    """Run the ``electroscreen`` command (``sys.argv``)."""
    app()
