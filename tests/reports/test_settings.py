"""k and the lag come from the environment through config.env, checked at start-up."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from corridor.config.env import read_env
from corridor.config.settings.base import env_settings

pytestmark = pytest.mark.pure


def test_defaults_are_five_and_six_months(tmp_path):
    env = read_env({"CORRIDOR_DATA_DIR": str(tmp_path)})
    assert (env.report_min_k, env.report_lag_months) == (5, 6)
    values = env_settings(env, secret_key="x" * 50)
    assert (values["CORRIDOR_REPORT_MIN_K"], values["CORRIDOR_REPORT_LAG_MONTHS"]) == (5, 6)


def test_an_organisation_may_be_stricter(tmp_path):
    env = read_env(
        {
            "CORRIDOR_DATA_DIR": str(tmp_path),
            "CORRIDOR_REPORT_MIN_K": "10",
            "CORRIDOR_REPORT_LAG_MONTHS": "12",
        }
    )
    assert (env.report_min_k, env.report_lag_months) == (10, 12)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CORRIDOR_REPORT_MIN_K", "2"),
        ("CORRIDOR_REPORT_MIN_K", "five"),
        ("CORRIDOR_REPORT_MIN_K", "-5"),
        ("CORRIDOR_REPORT_LAG_MONTHS", "-1"),
        ("CORRIDOR_REPORT_LAG_MONTHS", "6.5"),
        ("CORRIDOR_REPORT_LAG_MONTHS", "5000"),
    ],
)
def test_unsafe_or_malformed_values_stop_start_up(tmp_path, name, value):
    with pytest.raises(ImproperlyConfigured, match=name):
        read_env({"CORRIDOR_DATA_DIR": str(tmp_path), name: value})
