"""Security of bundles (issue 16, acceptance): each tampered, truncated, unsafe or foreign file is refused.

Every test ends in a clear error from both readers: ``em.load`` (an ``ExportError``) and the numpy-only
``load_scorer`` (a ``BundleError``); nothing is half-loaded.
"""

from __future__ import annotations

import json
import pickle
import struct
import zipfile
from pathlib import Path

import pytest

import expectmodel as em
from expectmodel.errors import ExportError
from expectmodel_scorer import BundleError, load_scorer
from expectmodel_scorer import bundle as b


@pytest.fixture
def folder(tmp_path, pls_fit) -> Path:
    return em.save(pls_fit, tmp_path / "bundle")


@pytest.fixture
def zipped(tmp_path, pls_fit) -> Path:
    return em.save(pls_fit, tmp_path / "bundle.zip")


def refused(path: Path, match: str, **kwargs) -> None:
    with pytest.raises(ExportError, match=match):
        em.load(path, **kwargs)
    with pytest.raises(BundleError, match=match):
        load_scorer(path, **kwargs)


def rewrite(folder: Path, change, *, reseal: bool = True) -> None:
    """Change model.json; ``reseal`` recomputes the checksum, as a careful forger would."""
    doc = json.loads((folder / "model.json").read_text())
    change(doc)
    if reseal:
        doc["checksum"]["payload"] = b._payload_digest(doc)
    (folder / "model.json").write_text(json.dumps(doc, indent=1))


def test_the_untouched_bundles_load(folder, zipped, pls_fit):
    for path in (folder, zipped):
        assert em.load(path).to_frame().equals(pls_fit.to_frame())
        assert load_scorer(path).outputs == pls_fit.scoring_spec()["outputs"]


def test_a_flipped_byte_in_the_payload(folder):
    raw = bytearray((folder / "model.json").read_bytes())
    at = raw.index(b'"weights": {') + 40  # inside the numbers of the scoring weights
    while not chr(raw[at]).isdigit():
        at += 1
    raw[at] = ord("7") if raw[at] != ord("7") else ord("3")
    (folder / "model.json").write_bytes(bytes(raw))
    refused(folder, "does not match its SHA-256 checksum")


def test_every_single_bit_flip_of_a_small_bundle_is_refused(tmp_path):
    # a whole-file sweep: a flip either breaks the JSON or changes a value the checksum covers, or lands in
    # whitespace, where JSON allows no other byte (every flip of a space or newline is refused too)
    doc = {"schema": b.SCHEMA, "schema_version": b.SCHEMA_VERSION, "id": "", "created": "now",
           "results": {"schema": "x", "schema_version": 1, "class": "x.Y"},
           "config": {"estimator": "Y", "params": {"a": 1.5}, "spec": None, "seed": 3},
           "meta": {}, "table": {"columns": [], "dtypes": [], "data": [], "index": None}, "content": {},
           "scoring": b.encode_spec({"program": "logit", "inputs": [{"column": "x", "kind": "float"}],
                                     "outputs": ["p"], "arrays": {"coef": [0.25]}, "settings": {"intercept": 1.0}}),
           "files": {}}
    doc["id"] = b.config_id(doc["config"])
    doc["checksum"] = {"algorithm": "sha256", "payload": b._payload_digest(doc)}
    good = (json.dumps(doc, indent=1) + "\n").encode()
    (tmp_path / "model.json").write_bytes(good)
    load_scorer(tmp_path)  # the pristine file loads
    accepted = []
    for i in range(len(good)):
        bit = i % 8  # every bit position, over the bytes in turn
        raw = bytearray(good)
        raw[i] ^= 1 << bit
        (tmp_path / "model.json").write_bytes(bytes(raw))
        try:
            load_scorer(tmp_path)
        except BundleError:
            continue
        accepted.append((i, bit, bytes(raw[max(0, i - 10):i + 10])))
    assert accepted == []


def test_a_truncated_zip(zipped):
    data = zipped.read_bytes()
    zipped.write_bytes(data[: len(data) // 2])
    refused(zipped, "not a complete zip file")


def test_a_truncated_model_json(folder):
    text = (folder / "model.json").read_bytes()
    (folder / "model.json").write_bytes(text[: len(text) - 200])
    refused(folder, "not valid JSON .* truncated or corrupt")


def test_a_truncated_member(tmp_path, pls_fit):
    pytest.importorskip("skops")
    from sklearn.linear_model import LogisticRegression

    path = em.save(pls_fit, tmp_path / "b", sklearn=LogisticRegression().fit([[0.0], [1.0]], [0, 1]))
    data = (path / "model.skops").read_bytes()
    (path / "model.skops").write_bytes(data[:-10])
    refused(path, "'model.skops' .* does not match its SHA-256 checksum")


def test_a_bundle_from_a_future_schema_version(folder):
    rewrite(folder, lambda d: d.update(schema_version=b.SCHEMA_VERSION + 1))
    refused(folder, "schema version 2, newer than this scorer's 1; upgrade")


def test_a_bundle_from_an_older_schema_version(folder):
    rewrite(folder, lambda d: d.update(schema_version=0))
    refused(folder, "schema version 0, older than this scorer's 1; re-export")


def test_a_json_with_an_extra_key(folder):
    rewrite(folder, lambda d: d.update(run_this="import os"))
    refused(folder, r"unknown key\(s\) \['run_this'\]")


def test_an_extra_key_deep_in_the_scoring_spec(folder):
    rewrite(folder, lambda d: d["scoring"]["inputs"][0].update(transform="x * 2"))
    refused(folder, r"unknown key\(s\) \['transform'\]")


def test_a_non_finite_parameter(folder):
    def poison(d):
        d["scoring"]["arrays"]["weights"]["data"][0] = float("nan")

    rewrite(folder, poison, reseal=False)  # json.dumps writes NaN; the checksum cannot even be computed
    refused(folder, "non-finite number NaN")
    text = (folder / "model.json").read_text().replace("NaN", "1e999", 1)  # JSON's way to overflow to inf
    (folder / "model.json").write_text(text)
    refused(folder, "non-finite|cannot be checked")


def test_an_id_that_does_not_match_the_configuration(folder):
    rewrite(folder, lambda d: d["config"]["params"].update(seed=8))  # resealed: only the id gives it away
    refused(folder, "id of .* does not match its configuration")


def test_a_meta_that_does_not_match_the_configuration(folder):
    rewrite(folder, lambda d: d["meta"]["params"].update(bootstrap=5000))  # resealed; config and id untouched
    with pytest.raises(ExportError, match=r"meta of .* does not match its configuration"):
        em.load(folder)


def test_an_array_of_the_wrong_shape(folder):
    rewrite(folder, lambda d: d["scoring"]["arrays"]["weights"].update(shape=[24, 8]))
    refused(folder, r"\['weights'\]: shape \[24, 8\] needs 192 values; the data hold 168")
    rewrite(folder, lambda d: d["scoring"]["arrays"]["weights"].update(shape=[24 * 7]))
    refused(folder, r"\['weights'\] has 1 dimension\(s\) .* the program needs 2")
    rewrite(folder, lambda d: d["scoring"]["arrays"]["weights"].update(dtype="object"))
    refused(folder, "has dtype 'object'")


def _zip_with(path: Path, members: dict[str, bytes], source: Path) -> None:
    with zipfile.ZipFile(source) as good, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in good.infolist():
            out.writestr(info.filename, good.read(info))
        for name, data in members.items():
            out.writestr(name, data)


def test_a_path_traversal_name_inside_a_zip(tmp_path, zipped):
    evil = tmp_path / "evil.zip"
    _zip_with(evil, {"../../outside.txt": b"x"}, zipped)
    refused(evil, r"member '\.\./\.\./outside\.txt', a path outside the bundle \(path traversal\)")
    assert not (tmp_path.parent / "outside.txt").exists()
    absolute = tmp_path / "absolute.zip"
    _zip_with(absolute, {"/etc/cron.d/x": b"x"}, zipped)
    refused(absolute, "path traversal")


def test_a_zip_bomb_over_the_stated_limit(tmp_path, zipped):
    # a member that declares 1 GiB (over MAX_MEMBER_BYTES = 512 MiB) in the zip's directory: refused before
    # a byte of it is inflated; the header is forged, so the test costs nothing
    bomb = tmp_path / "bomb.zip"
    _zip_with(bomb, {"posterior.nc": b"\0" * 1000}, zipped)
    raw = bytearray(bomb.read_bytes())
    central = raw.rindex(b"PK\x01\x02")  # the last central-directory entry is posterior.nc
    assert raw[central + 46: central + 46 + 12] == b"posterior.nc"
    struct.pack_into("<I", raw, central + 24, 2**30)  # uncompressed size
    bomb.write_bytes(bytes(raw))
    refused(bomb, r"declares 1073741824 bytes, over the limit of 536870912 bytes \(a possible zip bomb\)")
    assert b.MAX_MEMBER_BYTES == 512 * 2**20


def test_a_zip_bomb_by_compression_ratio(tmp_path, zipped):
    ratio = tmp_path / "ratio.zip"
    _zip_with(ratio, {"posterior.nc": b"\0" * 2_000_000}, zipped)  # deflates about 1000:1
    refused(ratio, "compressed .*:1, over the limit of 200:1")


def test_a_file_that_is_a_pickle(tmp_path, folder):
    payload = pickle.dumps({"model": "anything"})
    for name in ("model.pkl", "model.zip", "model"):
        path = tmp_path / name
        path.write_bytes(payload)
        refused(path, "is a pickle")
    (folder / "posterior.nc").write_bytes(payload)
    refused(folder, "'posterior.nc' .* is a pickle")
    (folder / "posterior.nc").unlink()
    (folder / "model.json").write_bytes(payload)
    refused(folder, "'model.json' .* is a pickle")


def test_an_unknown_member_is_refused(folder):
    (folder / "notes.txt").write_text("hello")
    refused(folder, r"may hold only \['model.json'")


def test_a_missing_file(tmp_path):
    refused(tmp_path / "nothing.zip", "does not exist")
