"""``job_id_from_url`` reads the URL path as ``urlsplit`` does, including its odd corners."""

from __future__ import annotations

import pytest

from mjcore.midjourney.hashes import job_id_from_url

U = "89bd8e05-eda9-4d6e-9b77-1ef4293398ca"
V = "5545fc38-0922-45f4-9f99-6909ff74f645"


@pytest.mark.parametrize(
    ("url", "job_id"),
    [
        # Discord's own shapes
        (f"https://cdn.discordapp.com/attachments/1/2/{U}_grid_0.webp?ex=6512&is=6511&hm=ab&", U),
        (f"https://media.discordapp.net/attachments/1/2/user_a_cat_{U}.png", U),
        (f"https://cdn.midjourney.com/{U}/0_0.png", U),
        (f"https://cdn.midjourney.com/{V}/{U}_0.png", U),
        # the query and the fragment are not part of the path
        (f"https://cdn.discordapp.com/a/1.png?hm={U}", None),
        (f"https://cdn.discordapp.com/a/1.png#{U}", None),
        (f"https://cdn.discordapp.com?x=/{U}.png", None),
        (f"https://cdn.discordapp.com#/{U}.png", None),
        (f"https://cdn.discordapp.com/a#b?/{U}.png", None),
        # the host is not part of the path
        (f"https://{U}.example.com/1.png", None),
        (f"http://{U}", None),
        # percent-encoded paths are decoded
        (f"https://cdn.discordapp.com/a/%38%39{U[2:]}.png", U),
        # other schemes and spellings go through the general parser
        (f"HTTPS://cdn.discordapp.com/a/{U}.png", U),
        (f"ftp://cdn.discordapp.com/a/{U}.png", U),
        (f"/attachments/1/{U}.png", U),
        (f"{U}_grid_0.webp", U),
        # urlsplit drops tabs and line breaks anywhere, joining what they split
        (f"https://cdn.discordapp.com/a/{U[:30]}\t{U[30:]}.png", U),
        (f"https://cdn.discordapp.com/a/{U[:30]}\n{U[30:]}.png", U),
        (f"https://cdn.discord\rapp.com/a/{U}.png", U),
        # a non-ASCII host is parsed (and checked) by urlsplit too
        (f"https://cdn.dïscord.com/a/{U}.png", U),
        ("", None),
        ("https://cdn.discordapp.com/a/1.png", None),
    ],
)
def test_job_id_from_url(url: str, job_id: str | None) -> None:
    assert job_id_from_url(url) == job_id


def test_upper_case_uuids_come_back_lower_case() -> None:
    assert job_id_from_url(f"https://cdn.discordapp.com/a/{U.upper()}.png") == U


def test_malformed_url_names_no_job() -> None:
    assert job_id_from_url(f"https://[bad/{U}.png") is None
