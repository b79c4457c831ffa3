"""The private-network guard: feed links must not reach loopback, LAN or metadata addresses."""

import asyncio

import pytest

from feeds.netguard import BlockedAddress, check_host, is_public


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "192.168.0.10", "172.16.5.5",
                                     "169.254.169.254", "::1", "fe80::1", "::ffff:127.0.0.1", "0.0.0.0",
                                     "100.64.0.1", "fd00::1"])
def test_private_loopback_and_link_local_addresses_are_not_public(address):
    assert not is_public(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700::1111", "8.8.8.8"])
def test_routable_addresses_are_public(address):
    assert is_public(address)


def test_a_name_resolving_to_loopback_is_refused():
    with pytest.raises(BlockedAddress, match="NEWSWATCH_ALLOW_PRIVATE_NETWORKS"):
        asyncio.run(check_host("localhost", 80, allow_private=False))


def test_a_literal_private_address_is_refused_without_resolving():
    with pytest.raises(BlockedAddress):
        asyncio.run(check_host("[::1]", 80, allow_private=False))
    with pytest.raises(BlockedAddress):
        asyncio.run(check_host("169.254.169.254", 80, allow_private=False))


def test_the_setting_lets_a_private_address_through_as_the_address_to_connect_to():
    assert asyncio.run(check_host("127.0.0.1", 80, allow_private=True)) == ["127.0.0.1"]
    assert "127.0.0.1" in asyncio.run(check_host("localhost", 80, allow_private=True))


def test_a_public_literal_address_is_connected_to_as_given():
    assert asyncio.run(check_host("[2606:4700::1111]", 443, allow_private=False)) == ["2606:4700::1111"]
