"""``%latent``: a thin IPython front door to the Python API."""

from __future__ import annotations

import re
from dataclasses import Field, fields
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.utils.process import arg_split

from ._map_labels import PRIORITIES
from ._options import ExploreOptions
from ._suggest import did_you_mean


def _explore_arguments(line: str) -> None:
    """%latent explore MODEL [--data X] [--labels Y] [--image-shape H,W] [-o NAME]"""


def _explore_flags(option: Field[Any]) -> list[str]:
    flags = list(option.metadata["flags"])
    if not any(f.startswith("--") for f in flags):
        flags.insert(0, "--" + option.name.replace("_", "-"))
    return flags


# The flags come from ExploreOptions, where the keywords of explore() are spelled once.
# IPython lists decorated arguments in reverse order of application: apply from the last.
_EXPLORE_ARGUMENTS = [
    argument("model", help="a fitted model in the notebook (PCA, a Pipeline, a LatentModel, …)"),
    argument("--data", "-d", help="the rows to encode and map (an expression)"),
    *(
        argument(
            *_explore_flags(option),
            dest=option.name,
            help=option.metadata["help"],
            **({"type": int} if option.metadata["read"] == "int" else {}),
        )
        for option in fields(ExploreOptions)
    ),
    argument("-o", "--output", dest="output", help="also store the widget in this variable"),
]
for _decorator in reversed(_EXPLORE_ARGUMENTS):
    _explore_arguments = _decorator(_explore_arguments)
_explore_arguments = magic_arguments(name="latent explore")(_explore_arguments)


@magic_arguments(name="latent direction")
@argument("source", help="latent vectors (n, d), or an explorer widget (its latents)")
@argument("labels", help="one label (or number, with --ordered) per row")
@argument("--positive", "-p", help="the label(s) at the direction's head, comma-separated")
@argument("--negative", "-m", help="the label(s) at its tail (default: everyone else)")
@argument("--ordered", action="store_true", help="labels are ordered numbers: fit the curve")
@argument("--bins", type=int, help="with --ordered: how many groups")
@argument("--method", default="mean", help="mean (default) or classifier")
@argument("--name", help="the direction's name")
@argument("-o", "--output", dest="variable", help="also store the Direction in this variable")
def _direction_arguments(line: str) -> None:
    """%latent direction SOURCE LABELS --positive A [--negative B] [--ordered --bins N]"""


@magic_arguments(name="latent arith")
@argument("space", help="an explorer widget, an embedding table, or (labels, vectors)")
@argument("expression", nargs="+", help='e.g. "king - man + woman"')
@argument("-k", type=int, default=10, help="how many neighbors (default 10)")
@argument("--include-terms", action="store_true", help="let the query's words be answers")
@argument("-o", "--output", dest="variable", help="also store the result in this variable")
def _arith_arguments(line: str) -> None:
    """%latent arith SPACE "king - man + woman" [-k 10]"""


@magic_arguments(name="latent search")
@argument("widget", help="an explorer widget")
@argument("query", nargs="+", help="a label's part, a /regex/, or (a text encoder) any text")
@argument("-k", type=int, default=10, help="with an encoded query: how many nearest points")
@argument("-o", "--output", dest="variable", help="also store the result in this variable")
def _search_arguments(line: str) -> None:
    """%latent search W "query" [-k 10]"""


@magic_arguments(name="latent atlas")
@argument("widget", help="an explorer widget")
@argument("--rows", type=int, default=8, help="rows of the grid (default 8)")
@argument("--cols", type=int, default=12, help="columns of the grid (default 12)")
@argument("-o", "--output", dest="variable", help="also store the atlas in this variable")
def _atlas_arguments(line: str) -> None:
    """%latent atlas W [--rows 8] [--cols 12]"""


@magic_arguments(name="latent save")
@argument("widget", help="an explorer widget")
@argument("path", help="the file to write: map.png (a picture) or map.html (a page)")
@argument("--scale", type=float, default=2.0, help="a .png's pixels per map pixel (default 2)")
def _save_arguments(line: str) -> None:
    """%latent save W map.png [--scale 2] | %latent save W map.html"""


_COMMANDS = {
    "explore": _explore_arguments,
    "direction": _direction_arguments,
    "arith": _arith_arguments,
    "search": _search_arguments,
    "atlas": _atlas_arguments,
    "save": _save_arguments,
}


@magics_class
class LatentMagics(Magics):
    @line_magic
    def latent(self, line: str) -> Any:
        command, _, rest = line.strip().partition(" ")
        if command not in _COMMANDS:
            raise UsageError(
                f"%latent: unknown command {command!r}; expected one of "
                f"{', '.join(_COMMANDS)}.{did_you_mean(command, _COMMANDS)} "
                "See %latent? for examples."
            )
        return getattr(self, f"_{command}")(rest)

    @property
    def _shell(self) -> Any:
        if self.shell is None:
            raise UsageError("%latent needs a running IPython shell.")
        return self.shell

    def _explore(self, rest: str) -> Any:
        from . import explore

        args = _parse("explore", rest)
        model = self._resolve(args.model, "MODEL")
        data = self._resolve(args.data, "--data") if args.data else None
        options = {}
        for option in fields(ExploreOptions):
            text = getattr(args, option.name)
            if text is not None:
                options[option.name] = self._read_option(option, text)
        try:
            widget = explore(model, data, **options)
        except (ValueError, TypeError, KeyError, ImportError) as error:  # say what, not where
            raise UsageError(f"%latent explore: {_message(error)}") from error
        from IPython.display import display

        # Shown here so that `w = %latent explore ...` displays too; see _ipython_display_.
        display(widget)
        widget._mark_shown_by_magic()
        if args.output:
            self._shell.user_ns[_unquote(args.output)] = widget
        return widget

    def _read_option(self, option: Field[Any], text: Any) -> Any:
        """An explore option from its flag's text, read as its field says."""
        read, flag = option.metadata["read"], _explore_flags(option)[0]
        if read == "int":
            return text  # argparse made it an int
        if read == "expression":
            return self._resolve(text, flag)
        if read == "shape":
            return _parse_shape(text)
        if read == "axes":
            return self._axes(text)
        name = _unquote(text)
        if read == "column" and not (name.isidentifier() and name in self._shell.user_ns):
            return name  # a column of the data, by name
        if read == "priority" and name not in PRIORITIES:
            return self._resolve(text, flag)
        return self._resolve(text, flag) if read == "column" else name

    def _direction(self, rest: str) -> Any:
        from ._directions import direction
        from ._widget import LatentExplorer

        args = _parse("direction", rest)
        source = self._resolve(args.source, "SOURCE")
        labels = self._resolve(args.labels, "LABELS")
        how = {
            "positive": _labels(args.positive),
            "negative": _labels(args.negative),
            "ordered": args.ordered,
            "bins": args.bins,
            "method": _unquote(args.method),
            "name": _unquote(args.name) if args.name else None,
        }
        try:
            if isinstance(source, LatentExplorer):
                made = source.direction(labels, **how)
            else:
                made = direction(source, labels, **how)
        except (ValueError, TypeError, KeyError, ImportError) as error:
            raise UsageError(f"%latent direction: {_message(error)}") from error
        if args.variable:
            self._shell.user_ns[_unquote(args.variable)] = made
        return made

    def _arith(self, rest: str) -> Any:
        from ._arithmetic import arithmetic
        from ._widget import LatentExplorer

        args = _parse("arith", rest)
        space = self._resolve(args.space, "SPACE")
        expression = _unquote(" ".join(args.expression))
        how = {"k": args.k, "include_terms": args.include_terms}
        try:
            if isinstance(space, LatentExplorer):
                result = space.arithmetic(expression, **how)
            else:
                result = arithmetic(space, expression, **how)
        except (ValueError, TypeError) as error:
            raise UsageError(f"%latent arith: {error}") from error
        if args.variable:
            self._shell.user_ns[_unquote(args.variable)] = result
        return result

    def _search(self, rest: str) -> Any:
        args = _parse("search", rest)
        widget = self._widget(args.widget, "search")
        try:
            found = widget.search(_unquote(" ".join(args.query)), k=args.k)
        except (ValueError, TypeError) as error:
            raise UsageError(f"%latent search: {error}") from error
        if args.variable:
            self._shell.user_ns[_unquote(args.variable)] = found
        return found

    def _atlas(self, rest: str) -> Any:
        args = _parse("atlas", rest)
        widget = self._widget(args.widget, "atlas")
        try:
            made = widget.atlas(args.rows, args.cols)
        except (ValueError, TypeError) as error:
            raise UsageError(f"%latent atlas: {_message(error)}") from error
        if args.variable:
            self._shell.user_ns[_unquote(args.variable)] = made
        return made

    def _save(self, rest: str) -> Any:
        args = _parse("save", rest)
        widget = self._widget(args.widget, "save")
        path = _unquote(args.path)
        kind = path.lower().rpartition(".")[2]
        if kind not in ("png", "html", "htm"):
            raise UsageError(
                f"%latent save: the file name must end in .png (a picture) or .html (a page); "
                f"got {path!r}.\nusage: {_usage('save')}"
            )
        try:
            if kind == "png":
                return widget.save_png(path, scale=args.scale)
            return widget.save_html(path)
        except (ValueError, TypeError, OSError) as error:
            raise UsageError(f"%latent save: {error}") from error

    def _widget(self, text: str, command: str) -> Any:
        from ._widget import LatentExplorer

        widget = self._resolve(text, "WIDGET")
        if not isinstance(widget, LatentExplorer):
            raise UsageError(
                f"%latent {command}: {text!r} is a {type(widget).__name__}, not an explorer "
                f"widget (w = %latent explore …).\nusage: {_usage(command)}"
            )
        return widget

    def _axes(self, text: str) -> list[Any]:
        parts = [p.strip() for p in _unquote(text).split(",")]
        if len(parts) != 2 or not all(parts):
            raise UsageError(
                f"%latent explore: --axes expects two directions, A,B; got {text!r}."
                f"\nusage: {_usage('explore')}"
            )
        # A name a widget knows (e.g. "PC 3") stays a name; a notebook variable is looked up.
        return [
            self._resolve(p, "--axes") if p.isidentifier() and p in self._shell.user_ns else p
            for p in parts
        ]

    def _resolve(self, expression: str, what: str) -> Any:
        expression = _unquote(expression)
        try:
            return self._shell.ev(expression)
        except NameError as error:
            name = getattr(error, "name", None) or expression
            known = [k for k in self._shell.user_ns if not k.startswith("_")]
            raise UsageError(
                f"%latent: {what} {name!r} is not defined in the notebook."
                f"{did_you_mean(name, known, n=3)}"
            ) from None
        except Exception as error:
            raise UsageError(
                f"%latent: could not evaluate {what} {expression!r}: "
                f"{type(error).__name__}: {error}"
            ) from None


def _parse(command: str, rest: str) -> Any:
    """The arguments of ``%latent <command> <rest>``; every problem reading them is a
    ``UsageError`` that says what is wrong, then the command's usage line."""
    arguments = _COMMANDS[command]
    try:
        return parse_argstring(arguments, rest)
    except ValueError as error:  # shlex: "No closing quotation"
        problem = (
            f"a quotation mark is never closed in {rest.strip()!r}; quote each expression "
            f"whole, e.g. {_QUOTED[command]} ({error})"
        )
    except UsageError as error:  # argparse
        problem = str(error)
        unrecognized = problem.startswith("unrecognized arguments:")
        example = _split_expression(rest, problem) if unrecognized else None
        if example is not None:
            problem = (
                f"{problem.rstrip('.')}. An expression with spaces must be quoted, e.g. {example}"
            )
    raise UsageError(f"%latent {command}: {problem}\nusage: {_usage(command)}") from None


def _usage(command: str) -> str:
    """The command's usage line, ``%latent explore [--data DATA] … model``."""
    return " ".join(_COMMANDS[command].parser.format_usage().replace("::", "").split())


def _split_expression(rest: str, problem: str) -> str | None:
    """``--data "X[:, :10]"`` when the unrecognized words are the rest of an option's
    expression that spaces cut apart (``--data X[:, :10]``), else None."""
    words = arg_split(rest)
    extra = problem.partition(":")[2].split()
    if not extra or extra[0] not in words or _FLAG.match(extra[0]):
        return None
    first = words.index(extra[0])
    flags = [i for i in range(first) if _FLAG.match(words[i])]
    if not flags or flags[-1] + 2 != first:  # only a flag with a value just before them
        return None
    flag = flags[-1]
    end = first
    while end < len(words) and not _FLAG.match(words[end]):
        end += 1
    return f'{words[flag]} "{" ".join(words[flag + 1 : end])}"'


_FLAG = re.compile(r"^--?[A-Za-z]")
_QUOTED = {  # a quoted value of each command, for the messages
    "explore": '--data "X[:, :10]"',
    "direction": '--name "big smile"',
    "arith": 'words "king - man + woman"',
    "search": 'w "sea lion"',
    "atlas": "w --rows 6 --cols 8",
    "save": 'w "my map.png"',
}


def _message(error: Exception) -> str:
    # str(KeyError("x")) is "'x'": show the message itself.
    return str(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)


def _unquote(text: str) -> str:
    # IPython's parse_argstring keeps the quote characters around quoted values.
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _labels(text: str | None) -> Any:
    if text is None:
        return None
    parts = [p.strip() for p in _unquote(text).split(",")]
    values: list[Any] = [int(p) if p.lstrip("-").isdigit() else p for p in parts]
    return values[0] if len(values) == 1 else values


def _parse_shape(text: str) -> tuple[int, ...]:
    parts = [p for p in re.split(r"[,x× ]+", _unquote(text).strip("()")) if p]
    if not 2 <= len(parts) <= 3 or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise UsageError(
            f"%latent explore: --image-shape expects H,W or H,W,C with positive integers, "
            f"e.g. 8,8 or 32,32,3; got {text!r}.\nusage: {_usage('explore')}"
        )
    return tuple(int(p) for p in parts)


LatentMagics.latent.__doc__ = f"""Explore a model's latent space in a widget.

Commands
--------
explore
    Map data through a fitted model's latent space; hover anywhere to decode that spot,
    lasso or click to select, pin synthetic points. Returns the widget (also displayed).
direction
    A named latent direction from labelled groups (mean difference), ordered numbers (the
    curve of group means) or a linear classifier. Returns a Direction; given a widget, adds it.
arith
    Vector arithmetic with nearest neighbors, e.g. "king - man + woman".
search
    Points by their labels (a part of one, any case, or /regex/); with a text encoder, any
    text: encoded, its nearest points. Returns a SearchResult (.indices, .latent).
atlas
    What the model decodes at a grid over the widget's view. Returns an Atlas (.latents,
    .positions, .outputs, .image()), which shows itself as a picture.
save
    The map as shown, to a file: a .png picture (--scale: pixels per map pixel) or a .html
    page that opens offline. Returns the file's path.

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
    %latent explore G --samples 5000          # a GAN generator: samples its prior
    %latent explore vae --data images --labels y
    %latent explore word_vectors              # an embedding table: hover for nearest words
    %latent explore encoder --data phrases    # a sentence encoder
    %latent explore pca --data X --projection tsne
    %latent explore pca --data X --axes "PC 1,PC 3"

    d = %latent direction w ages --ordered --bins 6 --name age
    w.set_axes(d, "PC 1"); w.walk(d, steps=9)
    %latent direction Z labels --positive smile --negative neutral -o smile
    %latent arith words "king - man + woman" -k 5
    %latent search w "lion"                   # or "/^sea/", or any text for an encoder
    %latent atlas w --rows 6 --cols 8
    %latent save w map.png --scale 2          # or map.html: a page that opens offline

Each command has a plain-Python twin: latent_magic.explore(pca, data=X, labels=y,
image_shape=(8, 8)).

{_explore_arguments.__doc__}
{_direction_arguments.__doc__}
{_arith_arguments.__doc__}
{_search_arguments.__doc__}
{_atlas_arguments.__doc__}
{_save_arguments.__doc__}"""
