"""LayerCheckResult: the verdict of :func:`gradlab.check_layer`, led by the layer's name."""

from __future__ import annotations

from dataclasses import dataclass

from .result import GradCheckResult

__all__ = ["LayerCheckResult"]


@dataclass(frozen=True)
class LayerCheckResult:
    """The verdict of :func:`check_layer`: the layer's name, the arrays checked, and the
    :class:`~gradlab.check.GradCheckResult` of their VJP (entries named ``dx[...]``,
    ``dW[...]``, ``db[...]``).

    Attributes
    ----------
    layer : str
        The layer's class name.
    arrays : tuple of str
        ``("dx", "dW", "db")`` or what the layer has.
    result : GradCheckResult
        The check itself: ``status``, ``cause``, ``worst``, ``hint``.
    mode : str
        The forward's mode: ``"train"`` (a ``train_flg`` was passed) or ``""``.
    """

    layer: str
    arrays: tuple
    result: GradCheckResult
    mode: str = ""

    @property
    def status(self) -> str:
        return self.result.status

    @property
    def ok(self) -> bool:
        return self.result.ok

    def __bool__(self) -> bool:
        return self.ok

    @property
    def cause(self) -> str:
        return self.result.cause

    @property
    def worst(self) -> tuple:
        return self.result.worst

    @property
    def headline(self) -> str:
        mode = ", training mode" if self.mode == "train" else ""
        return f"{self.layer}.backward ({', '.join(self.arrays)}{mode}): {self.result.headline}"

    def __str__(self) -> str:
        body = str(self.result).split("\n", 1)
        return self.headline + ("\n" + body[1] if len(body) > 1 else "")

    def to_dict(self) -> dict:
        return {"layer": self.layer, "arrays": list(self.arrays), "mode": self.mode,
                **self.result.to_dict(), "report": str(self)}
