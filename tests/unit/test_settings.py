from pathlib import Path

import pytest

from newswatch.errors import ConfigError
from newswatch.settings import Settings, parse_duration


def test_defaults_apply_when_the_environment_is_empty():
    settings = Settings.from_env({})
    assert settings.database_url is None
    assert settings.default_interval == 300
    assert settings.allow_private_networks is False


def test_durations_accept_seconds_minutes_hours_and_days():
    assert parse_duration("90") == 90
    assert parse_duration("5m") == 300
    assert parse_duration("1.5h") == 5400
    assert parse_duration("2d") == 172800


@pytest.mark.parametrize("text", ["", "m", "5x", "-3m", "nan", "0", "0s", "0.0h"])
def test_malformed_durations_are_refused(text):
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize("name", ["NEWSWATCH_HTTP_TIMEOUT", "NEWSWATCH_PENDING_TIMEOUT", "NEWSWATCH_MAX_BACKOFF",
                                  "NEWSWATCH_EXTRACT_TIME_LIMIT"])
def test_a_zero_duration_setting_is_refused_as_not_positive(name):
    with pytest.raises(ConfigError, match=f"^{name}: '0s' is not a positive duration$"):
        Settings.from_env({name: "0s"})


def test_a_bad_value_fails_with_one_line_naming_the_variable():
    with pytest.raises(ConfigError) as info:
        Settings.from_env({"NEWSWATCH_DB_POOL_MAX": "lots"})
    message = str(info.value)
    assert message.startswith("NEWSWATCH_DB_POOL_MAX:")
    assert "\n" not in message


def test_a_database_url_with_the_wrong_scheme_is_refused():
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        Settings.from_env({"DATABASE_URL": "mysql://localhost/x"})


def test_a_bad_boolean_is_refused():
    with pytest.raises(ConfigError, match="NEWSWATCH_ALLOW_PRIVATE_NETWORKS"):
        Settings.from_env({"NEWSWATCH_ALLOW_PRIVATE_NETWORKS": "maybe"})


def test_a_file_variant_supplies_a_secret(tmp_path: Path):
    secret = tmp_path / "db_url"
    secret.write_text("postgresql://app:s3cret@db/newswatch\n")
    settings = Settings.from_env({"DATABASE_URL_FILE": str(secret), "DATABASE_URL": "postgresql://other/x"})
    assert settings.database_url == "postgresql://app:s3cret@db/newswatch"


def test_an_unreadable_file_variant_names_the_variable(tmp_path: Path):
    with pytest.raises(ConfigError, match=r"^DATABASE_URL_FILE: cannot read"):
        Settings.from_env({"DATABASE_URL_FILE": str(tmp_path / "missing")})


def test_settings_are_frozen():
    settings = Settings.from_env({})
    with pytest.raises(AttributeError):
        settings.db_pool_max = 3  # type: ignore[misc]


def test_every_setting_is_documented():
    documented = Settings.documented()
    assert len(documented) == len({name for name, _, _ in documented})
    assert all(doc for _, _, doc in documented)


def test_the_metrics_endpoint_listens_on_loopback_unless_an_address_is_given():
    assert Settings.from_env({"NEWSWATCH_METRICS_PORT": "9100"}).metrics_addr == "127.0.0.1"
    assert Settings.from_env({"NEWSWATCH_METRICS_ADDR": " 0.0.0.0 "}).metrics_addr == "0.0.0.0"
    assert Settings.from_env({"NEWSWATCH_METRICS_ADDR": "::1"}).metrics_addr == "::1"
    with pytest.raises(ConfigError, match=r"^NEWSWATCH_METRICS_ADDR: 'metrics.internal' is not an IP address"):
        Settings.from_env({"NEWSWATCH_METRICS_ADDR": "metrics.internal"})


def test_by_default_redis_never_hands_a_task_a_live_worker_still_holds_to_another_worker():
    from workers.app import safe_visibility_timeout

    settings = Settings.from_env({})
    assert settings.visibility_timeout > safe_visibility_timeout(settings)
    slower = Settings.from_env({"NEWSWATCH_EXTRACT_TIME_LIMIT": "20m"})
    assert safe_visibility_timeout(slower) == 20 * 60 + 30  # a longer task limit needs a longer timeout
