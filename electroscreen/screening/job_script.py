"""What ``screen --cluster`` puts into a batch job's shell script is data, never shell code.

dask-jobqueue joins the worker command's arguments with spaces and writes the config's values
(``account``, ``queue``, ``walltime``, directives) into ``#SBATCH`` / ``#PBS`` lines as they are.
An ``--out`` folder such as ``/shared/My screens/o $(cmd)`` then split the credentials' path into
two arguments (the workers never started) and ran ``cmd`` on the compute node; a newline in a
config value added a line to the script. So the paths ``screen`` builds (the TLS credentials in
``--out``, this Python) are ``shlex.quote``-d into the command (:func:`quoted_job_class`), and a
cluster-config string holding a line break or NUL is refused (:func:`check_cluster_values`). The
config is still trusted input: ``job_script_prologue`` is shell by design.
"""

from __future__ import annotations

import copy
import shlex
import sys
from collections.abc import Mapping
from typing import Any

from electroscreen.experiments.config_files import ConfigError

__all__ = ["check_cluster_values", "quoted_job_class"]

#: Characters that end or break a line of a job script.
_LINE_BREAKS = ("\n", "\r", "\0")
#: The worker's TLS fields, paths that dask-jobqueue writes into the worker command.
_TLS_PATHS = ("tls_ca_file", "tls_worker_cert", "tls_worker_key")


def check_cluster_values(options: Mapping[str, Any], where: str = "--cluster-config") -> None:
    """Refuse a cluster config whose text values (in lists and mappings too) hold a line break
    or NUL: dask-jobqueue writes them into the job script as they are.

    Raises
    ------
    ConfigError
        Naming ``where`` and the key (``'account'``, ``'job_extra_directives'[1]``).
    """
    stack: list[tuple[str, Any]] = [(repr(key), value) for key, value in options.items()]
    while stack:
        key, value = stack.pop()
        if isinstance(value, str):
            if any(char in value for char in _LINE_BREAKS):
                raise ConfigError(
                    f"{where}: cluster config key {key}: {value[:60]!r} holds a line break or "
                    "NUL, which would add lines to the job script; give one value per line (a "
                    "list for job_script_prologue and job_extra_directives)"
                )
        elif isinstance(value, Mapping):
            stack.extend((f"{key}[{k!r}]", v) for k, v in value.items())
        elif isinstance(value, list | tuple):
            stack.extend((f"{key}[{j}]", v) for j, v in enumerate(value))


def quoted_job_class(job_cls: type) -> type:
    """A subclass of dask-jobqueue's ``job_cls`` whose worker command holds the TLS credentials'
    paths and this Python (its default ``python``) ``shlex.quote``-d: each one literal argument,
    whatever ``--out`` or the virtual environment's folder holds (spaces, ``$``, backticks). Paths
    with only safe characters are written as before; a ``python`` the config gives is its own."""

    class QuotedJob(job_cls):
        def __init__(self, *args: Any, security: Any = None, **kwargs: Any) -> None:
            if kwargs.get("python") is None and _configured_python(kwargs, job_cls) is None:
                kwargs["python"] = shlex.quote(sys.executable)
            super().__init__(*args, security=_quoted_paths(security), **kwargs)

    QuotedJob.__name__ = QuotedJob.__qualname__ = job_cls.__name__
    return QuotedJob


def _configured_python(kwargs: dict[str, Any], job_cls: type) -> str | None:
    """The ``python`` of Dask's config for this kind of job (``jobqueue.slurm.python``), if any."""
    import dask

    name = kwargs.get("config_name") or getattr(job_cls, "config_name", None)
    return dask.config.get(f"jobqueue.{name}.python", None) if name else None


def _quoted_paths(security: Any) -> Any:
    """A copy of ``security`` whose worker credential paths are quoted for a shell (PEM contents,
    which hold newlines, are left: dask-jobqueue writes those to files before a job sees them)."""
    if not security:
        return security
    quoted = copy.copy(security)
    for field in _TLS_PATHS:
        value = getattr(security, field, None)
        if isinstance(value, str) and "\n" not in value:
            setattr(quoted, field, shlex.quote(value))
    return quoted
