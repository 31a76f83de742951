"""``%latent``: a thin IPython front door to the Python API."""

from __future__ import annotations

import difflib
import re
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring


@magic_arguments()
@argument("model", help="a fitted model in the notebook (PCA, a Pipeline, a LatentModel, …)")
@argument("--data", "-d", help="the rows to encode and map (an expression)")
@argument("--labels", "-l", help="one label per row: colours the map")
@argument("--image-shape", "-s", help="show decoded outputs as images: H,W or H,W,C")
@argument("--preview", "-p", help="a function output -> image, figure or HTML")
@argument("--height", type=int, default=420, help="map height in pixels (default 420)")
@argument("-o", "--output", dest="name", help="also store the widget in this variable")
def _explore_arguments(line: str) -> None:
    """%latent explore MODEL --data X [--labels Y] [--image-shape H,W] [-o NAME]"""


_COMMANDS = {"explore": _explore_arguments}


@magics_class
class LatentMagics(Magics):
    @line_magic
    def latent(self, line: str) -> Any:
        command, _, rest = line.strip().partition(" ")
        if command not in _COMMANDS:
            close = difflib.get_close_matches(command, _COMMANDS, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise UsageError(
                f"%latent: unknown command {command!r}; expected one of "
                f"{', '.join(_COMMANDS)}.{hint} See %latent? for examples."
            )
        return getattr(self, f"_{command}")(rest)

    @property
    def _shell(self) -> Any:
        if self.shell is None:
            raise UsageError("%latent needs a running IPython shell.")
        return self.shell

    def _explore(self, rest: str) -> Any:
        from . import explore

        args = parse_argstring(_explore_arguments, rest)
        model = self._resolve(args.model, "MODEL")
        kwargs = {
            "data": self._resolve(args.data, "--data") if args.data else None,
            "labels": self._resolve(args.labels, "--labels") if args.labels else None,
            "image_shape": _parse_shape(args.image_shape) if args.image_shape else None,
            "preview": self._resolve(args.preview, "--preview") if args.preview else None,
            "height": args.height,
        }
        try:
            widget = explore(model, **kwargs)
        except (ValueError, TypeError) as error:  # the user's input: say what, not where
            raise UsageError(f"%latent explore: {error}") from error
        from IPython.display import display

        # Shown here so that `w = %latent explore ...` displays too; see _ipython_display_.
        display(widget)
        widget._mark_shown_by_magic()
        if args.name:
            self._shell.user_ns[_unquote(args.name)] = widget
        return widget

    def _resolve(self, expression: str, what: str) -> Any:
        expression = _unquote(expression)
        try:
            return self._shell.ev(expression)
        except NameError as error:
            name = getattr(error, "name", None) or expression
            known = [k for k in self._shell.user_ns if not k.startswith("_")]
            close = difflib.get_close_matches(name, known, n=3)
            hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise UsageError(
                f"%latent: {what} {name!r} is not defined in the notebook.{hint}"
            ) from None
        except Exception as error:
            raise UsageError(
                f"%latent: could not evaluate {what} {expression!r}: "
                f"{type(error).__name__}: {error}"
            ) from None


def _unquote(text: str) -> str:
    # IPython's parse_argstring keeps the quote characters around quoted values.
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _parse_shape(text: str) -> tuple[int, ...]:
    parts = [p for p in re.split(r"[,x× ]+", _unquote(text).strip("()")) if p]
    if not 2 <= len(parts) <= 3 or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise UsageError(
            f"%latent: --image-shape expects H,W or H,W,C with positive integers, "
            f"e.g. 8,8 or 32,32,3; got {text!r}."
        )
    return tuple(int(p) for p in parts)


LatentMagics.latent.__doc__ = f"""Explore a model's latent space in a widget.

Commands
--------
explore
    Map data through a fitted model's latent space; hover anywhere to decode that spot,
    lasso or click to select, pin synthetic points. Returns the widget (also displayed).

Examples
--------
::

    %load_ext latent_magic
    from sklearn.datasets import load_digits
    from sklearn.decomposition import PCA
    X, y = load_digits(return_X_y=True)
    pca = PCA(n_components=16).fit(X)
    w = %latent explore pca --data X --labels y --image-shape 8,8
    w.selected_indices, w.selected_vectors, w.pinned_vectors

    %latent explore pipe --data df --labels df.species -o w2

Each command has a plain-Python twin: latent_magic.explore(pca, data=X, labels=y,
image_shape=(8, 8)).

{_explore_arguments.__doc__}"""
