"""%latent through a real IPython InteractiveShell."""

import re

import numpy as np
import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from latent_magic import LatentExplorer

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="module")
def shell():
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "latent_magic")
    shell.run_cell(
        "from sklearn.datasets import load_digits\n"
        "from sklearn.decomposition import PCA\n"
        "import latent_magic\n"
        "X, y = load_digits(return_X_y=True)\n"
        "pca = PCA(n_components=16).fit(X)\n"
    )
    return shell


def run(shell, cell):
    with capture_output() as captured:
        result = shell.run_cell(cell)
    return result, captured


def widget_views(captured):
    return [o for o in captured.outputs if WIDGET_VIEW in o.data]


def test_explore_assigns_and_displays_the_widget_once(shell, frontend):
    result, captured = run(shell, "w = %latent explore pca --data X --labels y --image-shape 8,8")
    result.raise_error()
    w = shell.user_ns["w"]
    assert isinstance(w, LatentExplorer)
    assert w.latents.shape == (1797, 16)
    assert w._space.renderer.shape == (8, 8)
    assert len(widget_views(captured)) == 1


def test_a_bare_explore_displays_once_too(shell, frontend):
    result, captured = run(shell, "%latent explore pca --data X")
    result.raise_error()
    assert isinstance(result.result, LatentExplorer)
    assert len(widget_views(captured)) == 1
    assert "LatentExplorer" not in captured.stdout


def test_output_option_and_expressions(shell, frontend):
    result, _ = run(shell, "%latent explore pca --data X[:100] --labels 'y[:100]' -o small")
    result.raise_error()
    assert shell.user_ns["small"].latents.shape == (100, 16)


def test_the_magic_matches_the_python_twin(shell, frontend):
    run(shell, "w = %latent explore pca --data X")[0].raise_error()
    run(shell, "import latent_magic; w2 = latent_magic.explore(pca, data=X)")[0].raise_error()
    np.testing.assert_array_equal(shell.user_ns["w"].points, shell.user_ns["w2"].points)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "explore pcaa --data X",
            r"MODEL 'pcaa' is not defined in the notebook. Did you mean 'pca'",
        ),
        ("explore pca --data Xx", r"--data 'Xx' is not defined.*Did you mean 'X'"),
        ("explore pca --data X --image-shape 8", r"--image-shape expects H,W or H,W,C"),
        ("explore pca --data X[:,:5]", r"fitted on 64 features, but data has 5 columns"),
        ("explor pca", r"unknown command 'explor'.*Did you mean 'explore'"),
        ("explore pca --data X --colour red", r"unrecognized arguments: --colour red"),
    ],
)
def test_mistakes_raise_usage_errors_that_explain(shell, frontend, line, message):
    with pytest.raises(UsageError, match=message):
        shell.run_line_magic("latent", line)


def test_a_failed_magic_loses_nothing(shell, frontend):
    run(shell, "keep = %latent explore pca --data X")[0].raise_error()
    keep = shell.user_ns["keep"]
    keep.selected_indices = [1, 2, 3]
    with pytest.raises(UsageError):
        shell.run_line_magic("latent", "explore pca --data nothing_here -o keep")
    assert shell.user_ns["keep"] is keep
    assert keep.selected_indices.tolist() == [1, 2, 3]


def test_help_shows_examples(shell):
    doc = shell.find_line_magic("latent").__doc__
    assert "%latent explore pca --data X --labels y --image-shape 8,8" in doc
    assert "--image-shape" in doc
    assert "latent_magic.explore(" in doc


def test_direction_magic_adds_to_the_widget(shell, frontend):
    run(shell, "w = %latent explore pca --data X --labels y")[0].raise_error()
    result, _ = run(shell, "d = %latent direction w y --positive 0 --negative 1 --name zero_one")
    result.raise_error()
    d = shell.user_ns["d"]
    assert d.name == "zero_one"
    assert "zero_one" in shell.user_ns["w"].directions
    X, y = shell.user_ns["X"], shell.user_ns["y"]
    Z = shell.user_ns["pca"].transform(X)
    expected = Z[y == 0].mean(0) - Z[y == 1].mean(0)
    np.testing.assert_allclose(d.vector, expected, rtol=1e-4, atol=1e-4)


def test_arith_magic(shell, frontend):
    shell.run_cell(
        "import numpy as np\n"
        "rng = np.random.default_rng(0)\n"
        "words = {f'w{i}': rng.normal(size=8) for i in range(50)}\n"
        "words.update(king=np.ones(8), man=np.eye(8)[0], woman=np.eye(8)[1])\n"
        "words['queen'] = words['king'] - words['man'] + words['woman']\n"
    )
    result, _ = run(shell, 'r = %latent arith words "king - man + woman" -k 3')
    result.raise_error()
    assert shell.user_ns["r"].neighbors[0][0] == "queen"
    with pytest.raises(UsageError, match="kinng"):
        shell.run_line_magic("latent", 'arith words "kinng - man"')


def test_explore_magic_takes_axes_and_projection(shell, frontend):
    run(shell, 'w = %latent explore pca --data X --axes "PC 2,PC 3"')[0].raise_error()
    assert shell.user_ns["w"]._axes == ["PC 2", "PC 3"]
    run(shell, "w = %latent explore pca --data X[:300] --projection isomap")[0].raise_error()
    assert shell.user_ns["w"].projection_exact is False


QUOTE_WHOLE = 'quote each expression whole, e.g. --data "X[:, :10]"'
MUST_BE_QUOTED = "An expression with spaces must be quoted, e.g. "


@pytest.mark.parametrize(
    ("line", "words", "usage"),
    [
        (
            'explore pca --data X --labels "y',
            "%latent explore: a quotation mark is never closed in 'pca --data X --labels \"y'; "
            + QUOTE_WHOLE,
            "explore",
        ),
        (
            "explore pca --data X[:, :10]",
            "%latent explore: unrecognized arguments: :10]. "
            + MUST_BE_QUOTED
            + '--data "X[:, :10]"',
            "explore",
        ),
        (
            "explore pca --data X --labels y[: 5] -o w",
            "unrecognized arguments: 5]. " + MUST_BE_QUOTED + '--labels "y[: 5]"',
            "explore",
        ),
        ("explore pca --data X --colour red", "unrecognized arguments: --colour red", "explore"),
        ("explore", "%latent explore: the following arguments are required: model", "explore"),
        ("explore pca --height tall", "argument --height: invalid int value: 'tall'", "explore"),
        ("explore pca --image-shape 8", "%latent explore: --image-shape expects H,W", "explore"),
        ("explore pca --axes 'PC 1'", "%latent explore: --axes expects two directions", "explore"),
        ("direction w 'y", "%latent direction: a quotation mark is never closed", "direction"),
        ("arith words", "%latent arith: the following arguments are required: expression", "arith"),
    ],
)
def test_every_parse_problem_is_a_usage_error_with_the_usage_line(
    shell, frontend, line, words, usage
):
    with pytest.raises(UsageError) as caught:
        shell.run_line_magic("latent", line)
    first, _, rest = str(caught.value).partition("\n")
    assert words in first
    assert "quoted" not in first or "quote" in words  # no quoting hint where none helps
    assert rest.startswith(f"usage: %latent {usage} ")


def test_an_image_shape_that_does_not_fit_the_model_is_a_usage_error(shell, frontend):
    expected = "image_shape (7, 7) holds 49 values, but PCA decodes 64 values per latent"
    with pytest.raises(UsageError, match=re.escape(expected + " (e.g. image_shape=(8, 8))")):
        shell.run_line_magic("latent", "explore pca --data X --image-shape 7,7")
    with pytest.raises(UsageError, match=re.escape("image_shape (8, 8, 2) has 2 channels")):
        shell.run_line_magic("latent", "explore pca --data X --image-shape 8,8,2")


def test_the_help_names_the_commands_as_typed(shell):
    doc = shell.find_line_magic("latent").__doc__
    assert "%latent explore [--data DATA]" in doc
    assert "%_explore_arguments" not in doc


def test_explore_magic_colours_by_a_variable_or_a_column_and_sets_label_priority(shell, frontend):
    shell.run_cell(
        "import pandas as pd\n"
        "df = pd.DataFrame(X[:, :8], columns=[f'f{i}' for i in range(8)]).assign(digit=y)\n"
        "names = [f'digit {d} · {i}' for i, d in enumerate(y)]\n"
        "pca8 = PCA(n_components=4).fit(df)\n"
    )
    run(shell, "w = %latent explore pca8 --data df --labels names --color digit")
    w = shell.user_ns["w"]
    assert w._legend["title"] == "digit"
    assert bytes(w._label_text).decode().split("\x00")[:2] == ["digit 0 · 0", "digit 1 · 1"]
    run(shell, "w = %latent explore pca8 --data df --labels names -c y --label-priority order")
    w = shell.user_ns["w"]
    assert w._legend["names"] == [str(d) for d in range(10)]
    assert w._label_order[:5].tolist() == [0, 1, 2, 3, 4]
    with pytest.raises(UsageError, match=r"color='digits' names no column"):
        shell.run_line_magic("latent", "explore pca8 --data df --color digits")


def test_search_and_atlas_magics_are_twins_of_the_methods(shell, frontend):
    shell.run_cell(
        "table = {w: np.random.default_rng(i).normal(size=4) for i, w in "
        "enumerate(['lion', 'sea lion', 'tiger', 'car'])}\n"
        "words = latent_magic.explore(table)\n"
        "digits = latent_magic.explore(pca, X, labels=y, image_shape=(8, 8))\n"
    )
    found = shell.run_line_magic("latent", 'search words "Lion" -o found')
    assert found.indices.tolist() == [0, 1]
    assert shell.user_ns["found"] is found
    atlas = shell.run_line_magic("latent", "atlas digits --rows 3 --cols 4")
    assert atlas.outputs.shape[:2] == (3, 4)
    np.testing.assert_allclose(atlas.latents, shell.user_ns["digits"].atlas(3, 4).latents)
    with pytest.raises(UsageError, match=r"%latent search: 'table' is a dict, not an explorer"):
        shell.run_line_magic("latent", "search table lion")
    with pytest.raises(UsageError, match=r"%latent atlas: .*rows"):
        shell.run_line_magic("latent", "atlas digits --rows 0")
