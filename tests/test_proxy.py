"""The client's address behind reverse proxies: X-Forwarded-For, believed only as far
as DAILYPAPERS_TRUSTED_PROXIES says."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from django.test import Client, RequestFactory

from dailypapers.config import ConfigError
from dailypapers.core import proxies, ratelimit

PROXY = "10.0.0.5"


def ip(peer: str, forwarded: str | None, setting: str) -> str:
    request = RequestFactory().get("/", REMOTE_ADDR=peer)
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return proxies.client_address(
        request.META["REMOTE_ADDR"],
        request.META.get("HTTP_X_FORWARDED_FOR", ""),
        proxies.parse(setting),
    )


class TestWithoutTheSetting:
    @pytest.mark.parametrize("setting", ["", "0", "  "])
    def test_the_header_is_never_believed(self, setting: str) -> None:
        assert ip(PROXY, "203.0.113.7", setting) == PROXY
        assert ip("198.51.100.1", "127.0.0.1, 203.0.113.7", setting) == "198.51.100.1"

    def test_client_ip_reads_the_settings(self, settings: Any) -> None:
        request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.7")
        settings.TRUSTED_PROXIES = proxies.parse("")
        assert ratelimit.client_ip(request) == PROXY
        settings.TRUSTED_PROXIES = proxies.parse("1")
        assert ratelimit.client_ip(request) == "203.0.113.7"


class TestCount:
    def test_one_proxy_takes_the_address_it_appended(self) -> None:
        assert ip(PROXY, "203.0.113.7", "1") == "203.0.113.7"

    def test_addresses_the_client_invented_are_ignored(self) -> None:
        # The client sent "X-Forwarded-For: 1.1.1.1, 2.2.2.2"; the proxy appended its peer.
        assert ip(PROXY, "1.1.1.1, 2.2.2.2, 203.0.113.7", "1") == "203.0.113.7"

    def test_two_proxies(self) -> None:
        # client -> CDN (appends client) -> load balancer (appends CDN) -> hub
        assert ip(PROXY, "9.9.9.9, 203.0.113.7, 192.0.2.10", "2") == "203.0.113.7"

    def test_a_chain_shorter_than_the_count_falls_back_to_the_peer(self) -> None:
        assert ip(PROXY, "203.0.113.7", "2") == PROXY
        assert ip(PROXY, "", "1") == PROXY

    def test_garbage_where_the_address_should_be(self) -> None:
        assert ip(PROXY, "203.0.113.7, unknown", "1") == PROXY
        assert ip(PROXY, "<script>", "1") == PROXY

    def test_ports_brackets_and_mapped_addresses(self) -> None:
        assert ip(PROXY, "203.0.113.7:51234", "1") == "203.0.113.7"
        assert ip(PROXY, "[2001:db8::1]:443", "1") == "2001:db8::1"
        assert ip(PROXY, "2001:DB8::1", "1") == "2001:db8::1"
        assert ip(PROXY, "::ffff:203.0.113.7", "1") == "203.0.113.7"

    def test_a_very_long_header_is_read_from_the_right(self) -> None:
        header = ", ".join(["6.6.6.6"] * 10_000 + ["203.0.113.7"])
        assert ip(PROXY, header, "1") == "203.0.113.7"


class TestNetworks:
    SETTING = "10.0.0.0/8, 192.0.2.10, 2001:db8:ffff::/48"

    def test_the_first_address_outside_the_networks_from_the_right(self) -> None:
        assert ip(PROXY, "203.0.113.7", self.SETTING) == "203.0.113.7"
        assert ip(PROXY, "1.1.1.1, 203.0.113.7, 192.0.2.10, 10.1.1.1", self.SETTING) == (
            "203.0.113.7"
        )

    def test_a_peer_outside_the_networks_is_the_client(self) -> None:
        # Someone reaching the hub directly cannot claim any address.
        assert ip("198.51.100.1", "203.0.113.7", self.SETTING) == "198.51.100.1"

    def test_spoofed_trusted_addresses_to_the_left_do_not_help(self) -> None:
        # The client wrote "10.9.9.9" hoping to be skipped over, then the proxy appended it.
        assert ip(PROXY, "10.9.9.9, 203.0.113.7", self.SETTING) == "203.0.113.7"

    def test_only_proxies_in_the_chain_gives_the_leftmost(self) -> None:
        assert ip(PROXY, "10.2.2.2, 10.3.3.3", self.SETTING) == "10.2.2.2"

    def test_garbage_stops_at_the_nearest_real_address(self) -> None:
        assert ip(PROXY, "203.0.113.7, junk, 10.3.3.3", self.SETTING) == "10.3.3.3"

    def test_ipv6_networks(self) -> None:
        assert ip("2001:db8:ffff::1", "2001:db8:1::7", self.SETTING) == "2001:db8:1::7"


class TestSetting:
    @pytest.mark.parametrize("value", ["ten", "10.0.0.0/33", "1, 2", "-1", "99"])
    def test_bad_values_are_refused_with_the_name(self, value: str) -> None:
        with pytest.raises(ConfigError, match="DAILYPAPERS_TRUSTED_PROXIES"):
            proxies.parse(value)

    def test_networks_and_single_addresses(self) -> None:
        parsed = proxies.parse("10.0.0.0/8,192.0.2.10 ,")
        assert [str(n) for n in parsed.networks] == ["10.0.0.0/8", "192.0.2.10/32"]
        assert parsed.count == 0 and parsed.enabled

    @pytest.mark.parametrize(
        ("value", "shown"),
        [("2", "count=2"), ("10.0.0.0/8", "10.0.0.0/8"), ("", "count=0, networks=()")],
    )
    def test_settings_read_the_environment(self, value: str, shown: str, tmp_path: Any) -> None:
        env = {**os.environ, "DAILYPAPERS_TRUSTED_PROXIES": value}
        env["DAILYPAPERS_DATA_DIR"] = str(tmp_path)
        env["DJANGO_SETTINGS_MODULE"] = "dailypapers.settings"
        code = "from django.conf import settings; print(settings.TRUSTED_PROXIES)"
        run = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        assert shown in run.stdout

    def test_a_bad_value_stops_the_start(self, tmp_path: Any) -> None:
        env = {**os.environ, "DAILYPAPERS_TRUSTED_PROXIES": "everything"}
        env["DAILYPAPERS_DATA_DIR"] = str(tmp_path)
        env["DJANGO_SETTINGS_MODULE"] = "dailypapers.settings"
        code = "from django.conf import settings; settings.TRUSTED_PROXIES"
        run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        assert run.returncode != 0
        assert "DAILYPAPERS_TRUSTED_PROXIES" in run.stderr


@pytest.mark.django_db
class TestLimitsBehindAProxy:
    """The digest sign-up form allows a few posts per client address and hour."""

    def subscribe(self, n: int, forwarded: str) -> int:
        client = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
        return client.post("/digest/subscribe", {"email": f"r{n}@example.org"}).status_code

    def test_without_the_setting_everyone_behind_the_proxy_shares_one_limit(
        self, settings: Any
    ) -> None:
        settings.DIGEST_SIGNUPS_PER_IP = 2
        settings.TRUSTED_PROXIES = proxies.parse("")
        codes = [self.subscribe(n, f"203.0.113.{n}") for n in range(3)]
        assert codes == [200, 200, 429]

    def test_with_the_setting_each_client_has_its_own(self, settings: Any) -> None:
        settings.DIGEST_SIGNUPS_PER_IP = 2
        settings.TRUSTED_PROXIES = proxies.parse("1")
        codes = [self.subscribe(n, f"203.0.113.{n}") for n in range(5)]
        assert codes == [200] * 5

    def test_rotating_invented_addresses_does_not_escape_the_limit(self, settings: Any) -> None:
        settings.DIGEST_SIGNUPS_PER_IP = 2
        settings.TRUSTED_PROXIES = proxies.parse("10.0.0.0/8")
        codes = [self.subscribe(n, f"10.0.0.{n}, 198.51.100.{n}, 203.0.113.9") for n in range(3)]
        assert codes == [200, 200, 429]
