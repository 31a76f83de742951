import numpy as np
import pandas as pd
import pytest

from latent_magic._data import check_data


def test_non_finite_rows_are_left_out_with_a_warning():
    X = np.ones((10, 3))
    X[2, 1] = np.nan
    X[7, 0] = np.inf
    with pytest.warns(UserWarning, match="2 of 10 rows of data have NaN or inf"):
        checked = check_data(X, 3, "PCA")
    assert checked.rows.tolist() == [0, 1, 3, 4, 5, 6, 8, 9]
    assert checked.n_dropped == 2
    assert X[2, 1] != X[2, 1]  # the user's array is untouched


def test_dataframes_keep_their_columns_and_type():
    df = pd.DataFrame({"height": [170.0, 180.0, np.nan], "weight": [70.0, 80.0, 60.0]})
    with pytest.warns(UserWarning, match="1 of 3 rows"):
        checked = check_data(df, 2, "PCA")
    assert checked.feature_names == ["height", "weight"]
    assert isinstance(checked.data, pd.DataFrame)
    assert len(checked.data) == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (np.zeros((0, 4)), r"data is empty: expected at least one row; got shape \(0, 4\)"),
        (np.zeros(4), r"must be 2-D .* got shape \(4,\) \(one sample\? use X.reshape"),
        (np.zeros((5, 3)), r"PCA was fitted on 4 features, but data has 3 columns"),
        ([["a", "b", "c", "d"]], "data must be numeric"),
        (np.full((2, 4), np.nan), "every row of data has NaN or inf"),
    ],
)
def test_bad_data_gets_a_clear_error(data, message):
    with pytest.raises(ValueError, match=message):
        check_data(data, 4, "PCA")
