"""`POST /v1/detect` and `ragassist detect` over the fake models of conftest.py."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ragassist.detect import Detector
from ragassist.interface import detect_cli
from ragassist.interface.server.detect_api import router
from ragassist.interface.server.errors import install_handlers

from .conftest import HUMAN, MACHINE


@pytest.fixture
def client(detector: Detector) -> TestClient:
    app = FastAPI()
    install_handlers(app)
    app.include_router(router)
    app.state.detector = detector
    return TestClient(app)


def test_the_endpoint_scores_a_text(client: TestClient) -> None:
    reply = client.post("/v1/detect", json={"text": MACHINE})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["object"] == "detection" and body["verdict"] == "likely machine-written"
    assert 0.8 < body["probability"] <= 1.0 and body["drivers"] and "not proof" in body["warning"]


def test_the_endpoint_says_too_short_and_refuses_empty_text(client: TestClient) -> None:
    short = client.post("/v1/detect", json={"text": "Hello there."}).json()
    assert short["verdict"] == "too short to tell" and short["probability"] is None
    for bad in ({"text": ""}, {"text": "   "}, {"text": 5}, {}):
        reply = client.post("/v1/detect", json=bad)
        assert reply.status_code == 400, (bad, reply.text)


def _run(monkeypatch, detector: Detector, capsys, *files: Path, as_json: bool = False):  # noqa: ANN001, ANN202
    monkeypatch.setattr("ragassist.detect.Detector", lambda **_: detector)
    args = argparse.Namespace(files=list(files), json=as_json, threads=0)
    code = detect_cli.detect_command(args)
    return code, capsys.readouterr()


def test_the_command_scores_files_and_reports_bad_ones(
    tmp_path: Path,
    monkeypatch,
    capsys,
    detector: Detector,  # noqa: ANN001
) -> None:
    good, human, binary = tmp_path / "m.txt", tmp_path / "h.txt", tmp_path / "x.bin"
    good.write_text(MACHINE)
    human.write_text(HUMAN)
    binary.write_bytes(b"\x00\x01\x02" * 100)
    code, out = _run(monkeypatch, detector, capsys, good, human, binary)
    assert code == 2
    assert "m.txt: likely machine-written" in out.out and "h.txt: likely human-written" in out.out
    assert "x.bin: error:" in out.err and "looks binary" in out.err
    assert "not proof" in out.out
    code, out = _run(monkeypatch, detector, capsys, good, binary, as_json=True)
    rows = json.loads(out.out)
    assert code == 2 and rows[0]["probability"] > 0.8 and "looks binary" in rows[1]["error"]


def test_the_endpoint_refuses_a_body_over_a_megabyte_by_name(client: TestClient) -> None:
    reply = client.post("/v1/detect", json={"text": "word " * 210_000})
    assert reply.status_code == 413 and "1,000,000" in reply.text
