"""The colour scale of attention maps: where it tops out, why, and how the figure says so.

Colours are only comparable between maps drawn on the same scale. Three kinds:

    own      0 .. this map's maximum            one heatmap on its own: every shade is used
    shared   0 .. the maximum over all its maps  the heads of one grid: compare head with head
    fixed    0 .. a top the caller chose (1.0)   figures meant to be compared with each other
                                                (several layers in one answer, a heatmap beside the grid)

Every map states its scale under "attention weight" on its colorbar, and its result carries
`color_max`, `color_scale` and `fixed_scale` so that the answer can say it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from tools.core.errors import ToolError
from tools.core.figure_text import FigureLanguage, figure_text

__all__ = ["ColorScale", "checked_color_max"]

ScaleKind = Literal["own", "shared", "fixed"]
SMALLEST_TOP = 1e-6  # an all-zero map still gets a scale


def checked_color_max(value: object) -> float:
    """A colour scale's top as given by a caller: a number in (0, 1], since no attention weight exceeds 1."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise ToolError(f"color_max must be a number above 0 and at most 1 (the weight shown brightest; "
                        f"1.0 makes figures comparable), not {value!r}")
    return float(value)


@dataclass(frozen=True)
class ColorScale:
    top: float
    kind: ScaleKind
    maps: int = 1  # how many maps share it

    @classmethod
    def of(cls, values: np.ndarray, color_max: object = None, maps: int = 1) -> ColorScale:
        """The scale for `values` (one map, or several stacked that share it): `color_max` fixes it."""
        if color_max is not None:
            return cls(checked_color_max(color_max), "fixed", maps)
        finite = values[np.isfinite(values)]
        top = max(float(finite.max()) if finite.size else 0.0, SMALLEST_TOP)
        return cls(top, "shared" if maps > 1 else "own", maps)

    def shown_top(self) -> str:
        """The top as printed: 1, 0.62, 0.0041."""
        return f"{self.top:g}" if self.kind == "fixed" else f"{self.top:.2g}" if self.top < 0.01 else f"{self.top:.2f}"

    def label(self, language: FigureLanguage) -> str:
        """The colorbar's label: what the colours measure, and on which scale (two lines)."""
        stated = figure_text(f"scale_{self.kind}", language, top=self.shown_top(), count=self.maps)
        return f"{figure_text('weight', language)}\n{stated}"

    def fields(self) -> dict[str, Any]:
        """The result's fields: the top, the kind ("own", "shared" or "fixed"), and whether it is fixed."""
        return {"color_max": round(self.top, 4), "color_scale": self.kind, "fixed_scale": self.kind == "fixed"}
