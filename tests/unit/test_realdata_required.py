"""Without the real monitor exports a developer's run skips their tests, and a CI run fails instead."""

from __future__ import annotations

import pytest

from tests import realdata


@pytest.fixture
def files_gone(monkeypatch, tmp_path):
    monkeypatch.setattr(realdata, "LONG", tmp_path / realdata.LONG.name)
    monkeypatch.setattr(realdata, "SHORT", tmp_path / realdata.SHORT.name)


@pytest.mark.parametrize("ci", ["true", "1", "yes"])
def test_missing_real_data_fails_under_ci(files_gone, monkeypatch, ci):
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="CI needs the real monitor exports") as failure:
        realdata.require_realdata()
    assert realdata.LONG.name in str(failure.value)


@pytest.mark.parametrize("ci", [None, "", "false", "0"])
def test_missing_real_data_is_a_skip_outside_ci(files_gone, monkeypatch, ci):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception, match="real monitor exports are not in"):
        realdata.require_realdata()
