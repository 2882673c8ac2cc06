"""Reading pools and quotas: both quota formats, ids, and errors naming file, line and field."""

from __future__ import annotations

import pytest

from observatory.core.clikit import InputError
from observatory.panel.core.io import read_pool, read_quotas

from .helpers import load


def test_both_quota_formats_are_read(shared_data):
    pool, quotas, _ = load(shared_data, "example_small_20")
    assert next((q.feature, q.value, q.min, q.max) for q in quotas.quotas) == ("gender", "female", 9, 20)
    assert pool.ids[:3] == ["0", "1", "2"] and pool.n == 200
    pool, quotas, _ = load(shared_data, "sf_fixture_22")
    assert quotas.features == ["Gender", "age_bracket", "edu_level", "geo_bucket"]
    assert pool.ids[0] == "p0" and pool.n == 150
    assert "email" not in pool.features  # contact columns are not features


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(func, *args, **kwargs) -> InputError:
    with pytest.raises(InputError) as err:
        func(*args, **kwargs)
    return err.value


def test_quota_errors_name_line_and_field(tmp_path):
    err = error_of(read_quotas, write(tmp_path, "q.csv", "a,b,c\n1,2,3\n"))
    assert err.line == 1 and "unknown quota format" in err.message
    err = error_of(read_quotas, write(tmp_path, "q.csv", "feature,value,min,max\ng,a,1,2\ng,b,x,2\n"))
    assert (err.line, err.field) == (3, "min")
    err = error_of(read_quotas, write(tmp_path, "q.csv", "feature,value,min,max\ng,a,3,2\n"))
    assert (err.line, err.field) == (2, "max")
    err = error_of(read_quotas, write(tmp_path, "q.csv", "feature,value,min,max\ng,a,1.5,2\n"))
    assert (err.line, err.field) == (2, "min")
    err = error_of(read_quotas, write(tmp_path, "q.csv", "category,feature,min,max\ng,a,1,2\ng,a,0,1\n"))
    assert (err.line, err.field) == (3, "feature") and "line 2" in err.message


def test_pool_errors_name_line_and_field(tmp_path):
    quotas = read_quotas(write(tmp_path, "q.csv", "feature,value,min,max\ng,a,1,2\ng,b,0,2\n"))
    err = error_of(read_pool, write(tmp_path, "p.csv", "id,g\n1,a\n2,c\n"), quotas, "id")
    assert (err.line, err.field) == (3, "g") and "'c' has no quota" in err.message
    err = error_of(read_pool, write(tmp_path, "p.csv", "id,g\n1,a\n1,b\n"), quotas, "id")
    assert (err.line, err.field) == (3, "id")
    err = error_of(read_pool, write(tmp_path, "p.csv", "id,h\n1,a\n"), quotas, "id")
    assert (err.line, err.field) == (1, "g")
    err = error_of(read_pool, write(tmp_path, "p.csv", "g\na\n\n"), quotas, "id")
    assert err.field == "id"
    pool = read_pool(write(tmp_path, "p.csv", "g,notes\na,x\nb,y\n"), quotas)
    assert pool.ids == ["0", "1"] and pool.features == {"g": ["a", "b"]}
