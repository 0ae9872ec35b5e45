"""Where torch models run: the device names electroscreen accepts, and a clear error where CUDA is
asked for but not there (shared by ``train`` and ``screen``)."""

from __future__ import annotations

__all__ = ["check_device", "move_torch_parts", "require_cuda"]


def check_device(device: str) -> str:
    """``device`` if it is ``auto``, ``cpu``, ``cuda`` or ``cuda:N``; else ValueError. Imports no
    torch: ``auto`` is resolved where a torch model runs."""
    if device in {"auto", "cpu", "cuda"} or (
        isinstance(device, str) and device.startswith("cuda:") and device[5:].isdigit()
    ):
        return device
    raise ValueError(f"device must be auto, cpu or cuda[:N], got {device!r}")


def require_cuda(device: str) -> None:
    """A clear ValueError when this process sees no CUDA device for a ``cuda`` ``device``, or
    none of the index of a ``cuda:N`` (torch failed at the first fit: invalid device ordinal)."""
    import torch

    if not torch.cuda.is_available():
        raise ValueError(
            f"device {device!r} was asked for, but this process sees no CUDA device "
            f"(torch {torch.__version__}: torch.cuda.is_available() is False); "
            "use --device auto (CUDA when present) or --device cpu (screen), device: auto or "
            "cpu (a training config)"
        )
    index, count = device.partition(":")[2], torch.cuda.device_count()
    if index and int(index) >= count:
        raise ValueError(
            f"device {device!r} was asked for, but this process sees {count} CUDA device(s) "
            f"(cuda:0{f' to cuda:{count - 1}' if count > 1 else ''}; CUDA_VISIBLE_DEVICES "
            "renumbers the ones it names from 0)"
        )


def move_torch_parts(estimator: object, device: str) -> None:
    """Move a fitted estimator's torch network(s) to ``device``, in place: a torch estimator, or
    an ensemble (a conformal wrapper's ``estimator_``) holding some; nothing for the others."""
    model = getattr(estimator, "estimator_", estimator)
    if callable(getattr(model, "to", None)):
        model.to(device)
