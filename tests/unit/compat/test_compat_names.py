"""Small pure helpers of the compat routers: owners, attachment names, upload names."""

from __future__ import annotations

from pathlib import Path

from mjcore.api.compat.filenames import (
    content_type_for,
    extension_for,
    url_attachment_id,
    url_filename,
)
from mjcore.api.compat.owners import CompatApi, Owner
from mjcore.api.compat.uploads import UploadStore, image_extension, stem_of

URL = (
    "https://cdn.discordapp.com/attachments/1104292240064520356/1112838592809664594/"
    "gaosh_a%20b_600f88ff-2147-40ad-83e4-50992c96aadb.png?ex=65&is=66&hm=ab"
)
NAME = "b56ca21a-5fbe-40b4-89ab-6e0aa732f561/9231228408.jpg"


def test_owner_codec() -> None:
    owner = Owner(CompatApi.TRIGGER, "7744309837")
    assert owner.encode() == "trigger:7744309837"
    assert Owner.decode(owner.encode()) == owner
    assert Owner.decode("node:a:b") == Owner(CompatApi.NODE, "a:b")
    assert Owner.decode("nothing") is None and Owner.decode("other:x") is None


def test_attachment_names() -> None:
    assert url_filename(URL) == "gaosh_a b_600f88ff-2147-40ad-83e4-50992c96aadb.png"
    assert url_attachment_id(URL) == 1112838592809664594
    assert url_attachment_id("http://host/x.png") == 0
    assert content_type_for("grid_0.webp") == "image/webp"
    assert content_type_for("file.bin") == "application/octet-stream"
    assert extension_for("image/jpeg") == "jpg" and extension_for("text/plain") is None


def test_upload_names_are_checked_before_file_access(tmp_path: Path) -> None:
    store = UploadStore(tmp_path)
    assert store.path_of(NAME) == tmp_path / NAME
    for bad in ("../x.png", f"{NAME}/../../x", "/etc/passwd", "a/b.png", NAME.upper()):
        assert store.path_of(bad) is None, bad
    assert stem_of(NAME) == "9231228408"


def test_image_sniffing() -> None:
    assert image_extension(b"\x89PNG\r\n\x1a\n....") == "png"
    assert image_extension(b"\xff\xd8\xff\xe0") == "jpg"
    assert image_extension(b"hello") is None
