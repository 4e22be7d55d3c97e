"""``InputFiles``: input images kept on disk until their task is sent, found again after a
restart, with the tasks that have files known in memory."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from mjcore.media import InputFiles, InputImage, inspect_image


def image(color: str, size: tuple[int, int], fmt: str = "PNG") -> InputImage:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return inspect_image(buffer.getvalue())


async def test_inputs_come_back_in_order_after_a_restart_and_are_gone_once_dropped(
    tmp_path: Path,
) -> None:
    root = tmp_path / "inputs"
    first, second = image("red", (32, 16)), image("blue", (8, 8), "JPEG")
    await InputFiles(root).put("1700000000000123", [first, second])

    restarted = InputFiles(root)  # a new process: only the directory tells
    found = await restarted.get("1700000000000123")
    assert [(i.width, i.height, i.extension) for i in found] == [(32, 16, "png"), (8, 8, "jpg")]
    assert found[0].data == first.data

    await restarted.drop("1700000000000123")
    assert list(root.iterdir()) == []
    assert await restarted.get("1700000000000123") == []
    assert await InputFiles(root).get("1700000000000123") == []


async def test_a_task_without_inputs_and_other_files_in_the_directory(tmp_path: Path) -> None:
    root = tmp_path / "inputs"
    root.mkdir()
    (root / "notes.txt").write_text("not an input")
    (root / "odd_name.png").write_bytes(b"not numbered")
    files = InputFiles(root)
    await files.put("blend_42", [image("green", (4, 4))])  # an id with an underscore

    assert await files.get("1700000000000999") == []
    await files.drop("1700000000000999")
    assert sorted(p.name for p in root.iterdir()) == ["blend_42_0.png", "notes.txt", "odd_name.png"]

    restarted = InputFiles(root)
    assert [i.width for i in await restarted.get("blend_42")] == [4]
    await restarted.drop("blend_42")
    assert sorted(p.name for p in root.iterdir()) == ["notes.txt", "odd_name.png"]


async def test_inputs_in_memory_without_a_directory() -> None:
    files = InputFiles(None)
    await files.put("7", [image("white", (2, 3))])
    assert [(i.width, i.height) for i in await files.get("7")] == [(2, 3)]
    await files.drop("7")
    assert await files.get("7") == []
