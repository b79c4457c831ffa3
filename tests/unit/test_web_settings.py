"""The web settings: NEWSWATCH_WEB_ADDR and NEWSWATCH_WEB_TOKEN in the one settings object."""

import json

import pytest
from click.testing import CliRunner

from newswatch.errors import ConfigError
from newswatch.settings import Settings, split_addr


def test_the_web_listens_on_loopback_port_8080_unless_told_otherwise():
    settings = Settings.from_env({})
    assert split_addr(settings.web_addr) == ("127.0.0.1", 8080)
    assert settings.web_token is None


@pytest.mark.parametrize(("text", "expected"), [
    ("0.0.0.0:80", ("0.0.0.0", 80)),
    ("[::1]:9000", ("::1", 9000)),
    (":8081", ("0.0.0.0", 8081)),
    ("localhost:8080", ("localhost", 8080)),
])
def test_web_addresses_are_host_and_port(text, expected):
    assert split_addr(text) == expected


@pytest.mark.parametrize("text", ["8080", "127.0.0.1", "127.0.0.1:http", "127.0.0.1:70000", "::1:8080"])
def test_a_malformed_web_address_is_refused_naming_the_variable(text):
    with pytest.raises(ConfigError, match=r"^NEWSWATCH_WEB_ADDR: "):
        Settings.from_env({"NEWSWATCH_WEB_ADDR": text})


def test_the_token_is_read_from_a_file_and_never_shown_by_newswatch_config(tmp_path, monkeypatch):
    from newswatch.settings import reset_settings
    from ops.cli.config import command

    secret = tmp_path / "token"
    secret.write_text("tok-123456\n")
    monkeypatch.setenv("NEWSWATCH_WEB_TOKEN_FILE", str(secret))
    reset_settings()
    try:
        assert Settings.from_env().web_token == "tok-123456"
        shown = CliRunner().invoke(command, ["--json"])
        assert json.loads(shown.output)["NEWSWATCH_WEB_TOKEN"] == "***"
        assert "tok-123456" not in CliRunner().invoke(command, []).output
    finally:
        reset_settings()


def test_the_listening_socket_says_it_is_tcp_so_replies_are_not_held_back_by_nagle():
    # asyncio sets TCP_NODELAY only on sockets created with proto IPPROTO_TCP; without it every
    # response on a kept-alive connection waited ~40 ms for the client's delayed ACK.
    import socket

    from ops.web.server import listen

    sock = listen(Settings.from_env({"NEWSWATCH_WEB_ADDR": "127.0.0.1:0"}))
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()
