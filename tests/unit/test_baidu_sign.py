from __future__ import annotations

import re

import pytest

from mjcore.translate.baidu import random_salt, sign


def test_sign_matches_baidu_documented_example() -> None:
    # Example from Baidu's general translation API documentation.
    assert (
        sign("2015063000000001", "apple", "1435660288", "12345678")
        == "f89f9594663708c1605f3d736d01d2d4"
    )


def test_sign_hashes_chinese_query_as_utf8_before_url_encoding() -> None:
    # md5("20240101000000001" + "一只猫\n在月球上" + "12345" + "s3cr3t") over UTF-8 bytes;
    # the GBK encoding of the same string gives acf8c3c5..., which Baidu would reject.
    assert (
        sign("20240101000000001", "一只猫\n在月球上", "12345", "s3cr3t")
        == "513c0813568cb7add506939353399598"
    )


@pytest.mark.parametrize(
    ("appid", "q", "salt", "secret"),
    [
        ("2015063000000001", "apples", "1435660288", "12345678"),
        ("2015063000000001", "apple", "1435660289", "12345678"),
        ("2015063000000001", "apple", "1435660288", "12345679"),
        ("2015063000000002", "apple", "1435660288", "12345678"),
    ],
)
def test_sign_depends_on_every_field(appid: str, q: str, salt: str, secret: str) -> None:
    assert sign(appid, q, salt, secret) != "f89f9594663708c1605f3d736d01d2d4"


def test_sign_is_lower_case_hex() -> None:
    assert re.fullmatch(r"[0-9a-f]{32}", sign("A", "Q", "1", "S"))


def test_random_salt_is_five_digits_and_varies() -> None:
    salts = {random_salt() for _ in range(50)}
    assert all(re.fullmatch(r"[1-9][0-9]{4}", salt) for salt in salts)
    assert len(salts) > 1
