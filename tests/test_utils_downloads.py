"""Downloads against a local http.server on 127.0.0.1: progress, truncation, retries, offline, safe extraction."""

from __future__ import annotations

import http.server
import io
import tarfile
import threading
import time
import zipfile
from pathlib import Path

import pytest

from ultralytics_clone.utils import downloads
from ultralytics_clone.utils.downloads import attempt_download_asset, safe_download, unzip_file
from ultralytics_clone.utils.errors import ArchiveError, DownloadError, SourceError

PAYLOAD = bytes(range(256)) * 400  # 100 KiB


class Handler(http.server.BaseHTTPRequestHandler):
    """/ok/<name>: full file; /cut/<name>: announces the full size, sends half; /flaky/<name>: 500 once, then ok."""

    hits: dict[str, int] = {}

    def do_GET(self):  # noqa: N802 - http.server API
        kind = self.path.split("/")[1]
        Handler.hits[self.path] = Handler.hits.get(self.path, 0) + 1
        body = getattr(self.server, "files", {}).get(self.path.rsplit("/", 1)[-1], PAYLOAD)
        if kind == "missing":
            self.send_error(404)
            return
        if kind == "flaky" and Handler.hits[self.path] == 1:
            self.send_error(500)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if kind == "cut" else body)

    def log_message(self, *args):  # keep test output quiet
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.files = {}
    Handler.hits = {}
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    monkeypatch.setattr(downloads.time, "sleep", lambda s: None)


def test_download_complete_file(server, tmp_path):
    _, url = server
    out = safe_download(f"{url}/ok/weights.pt", dir=tmp_path / "dir with space", progress=True)
    assert out == tmp_path / "dir with space" / "weights.pt" and out.read_bytes() == PAYLOAD
    assert not list(out.parent.glob("*.part"))


def test_truncated_transfer_retries_then_fails_leaving_nothing(server, tmp_path):
    _, url = server
    with pytest.raises(DownloadError) as err:
        safe_download(f"{url}/cut/big.pt", dir=tmp_path, retry=3)
    assert "big.pt" in str(err.value) and "/cut/big.pt" in str(err.value) and "cut short" in str(err.value)
    assert Handler.hits["/cut/big.pt"] == 3
    assert list(tmp_path.iterdir()) == []  # neither the file nor a .part


def test_retry_recovers_from_server_error(server, tmp_path):
    _, url = server
    out = safe_download(f"{url}/flaky/f.bin", dir=tmp_path)
    assert out.read_bytes() == PAYLOAD and Handler.hits["/flaky/f.bin"] == 2


def test_404_fails_fast(server, tmp_path):
    _, url = server
    with pytest.raises(DownloadError, match="404"):
        safe_download(f"{url}/missing/x.pt", dir=tmp_path, retry=3)
    assert Handler.hits["/missing/x.pt"] == 1


def test_offline_asset_fails_within_seconds_naming_file_url_and_alternatives(monkeypatch, tmp_path):
    # the test session's audit hook refuses every non-loopback lookup, as on an offline machine
    start = time.monotonic()
    with pytest.raises(DownloadError) as err:
        attempt_download_asset("yolo11n.pt")
    message = str(err.value)
    assert time.monotonic() - start < 10
    assert "yolo11n.pt" in message and "https://github.com/ultralytics/assets/releases/download/" in message
    assert "offline" in message and "yolo11n.yaml" in message and "weights" in message


def test_refused_connection_counts_as_offline(tmp_path):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DownloadError, match="offline"):
        safe_download(f"http://127.0.0.1:{port}/x.pt", dir=tmp_path, retry=3)


def test_yolo_offline_env_refuses_at_once(monkeypatch, server, tmp_path):
    _, url = server
    monkeypatch.setenv("YOLO_OFFLINE", "1")
    with pytest.raises(DownloadError, match="YOLO_OFFLINE"):
        safe_download(f"{url}/ok/a.pt", dir=tmp_path)
    assert Handler.hits == {}


def test_asset_from_mirror_lands_in_weights_dir(monkeypatch, server):
    httpd, url = server
    httpd.files["yolo11n.pt"] = b"weights!"
    monkeypatch.setenv("YOLO_ASSETS_URL", f"{url}/ok")
    from ultralytics_clone.utils.settings import SETTINGS

    path = attempt_download_asset("yolo11n.pt")
    assert path == Path(SETTINGS["weights_dir"]) / "yolo11n.pt" and path.read_bytes() == b"weights!"
    assert attempt_download_asset("yolo11n.pt") == path  # second call finds it, no request
    assert sum(Handler.hits.values()) == 1
    path.unlink()


def test_unknown_missing_file_is_source_error(tmp_path):
    with pytest.raises(SourceError, match="not found"):
        attempt_download_asset(str(tmp_path / "mine.pt"))
    with pytest.raises(FileNotFoundError):
        attempt_download_asset("not_an_asset.pt")


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_zip_download_is_unpacked(server, tmp_path):
    httpd, url = server
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("set/images/a.jpg", b"jpg")
        zf.writestr("set/labels/a.txt", b"0 0.5 0.5 0.1 0.1")
    httpd.files["set.zip"] = buf.getvalue()
    out = safe_download(f"{url}/ok/set.zip", dir=tmp_path, delete=True)
    assert out == tmp_path / "set" and (out / "labels" / "a.txt").read_text().startswith("0 ")
    assert not (tmp_path / "set.zip").exists()


@pytest.mark.parametrize("evil", ["../escape.txt", "/tmp/abs_escape.txt", "ok/../../escape.txt"])
def test_zip_members_outside_target_are_never_extracted(tmp_path, evil):
    archive = _zip(tmp_path / "evil.zip", {"good.txt": b"fine", evil: b"pwned"})
    target = tmp_path / "target"
    with pytest.raises(ArchiveError, match="outside"):
        unzip_file(archive, target)
    assert not target.exists() or not any(target.iterdir())  # nothing at all was written
    assert not (tmp_path / "escape.txt").exists() and not Path("/tmp/abs_escape.txt").exists()


def test_tar_links_and_escapes_refused(tmp_path):
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        info = tarfile.TarInfo("link")
        info.type = tarfile.SYMTYPE
        info.linkname = "/etc/passwd"
        tf.addfile(info)
    with pytest.raises(ArchiveError, match="link"):
        unzip_file(archive, tmp_path / "t")
    ok = tmp_path / "ok.tar"
    with tarfile.open(ok, "w") as tf:
        data = b"hello"
        info = tarfile.TarInfo("d/ü file.txt")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    assert (unzip_file(ok, tmp_path / "t2") / "ü file.txt").read_bytes() == b"hello"


def test_not_an_archive(tmp_path):
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ArchiveError, match="not a readable"):
        unzip_file(bad)


def test_yolo_by_release_name_downloads_from_mirror_then_loads(monkeypatch, server, fixtures_dir):
    from ultralytics_clone import YOLO
    from ultralytics_clone.utils.settings import SETTINGS

    httpd, url = server
    httpd.files["yolo11n.pt"] = (fixtures_dir / "yolo11n.pt").read_bytes()
    monkeypatch.setenv("YOLO_ASSETS_URL", f"{url}/ok")
    model = YOLO("yolo11n.pt")
    stored = Path(SETTINGS["weights_dir"]) / "yolo11n.pt"
    try:
        assert model.task == "detect" and model.ckpt_path == str(stored) and len(model.names) == 3
    finally:
        stored.unlink()


def test_yolo_by_release_name_offline_is_one_clear_error():
    from ultralytics_clone import YOLO

    with pytest.raises(DownloadError) as err:
        YOLO("yolo26s-seg.pt")
    assert "yolo26s-seg.pt" in str(err.value) and "v8.4.0/yolo26s-seg.pt" in str(err.value)
    assert "YOLO('yolo26s-seg.yaml')" in str(err.value)


def test_path_arguments_are_accepted(server, tmp_path):
    """Path(url) (which drops one slash of '//'), Path destinations and a local archive given as a Path."""
    _, url = server
    out = safe_download(Path(f"{url}/ok/weights.pt"), file=tmp_path / "w.pt", progress=False)
    assert out == tmp_path / "w.pt" and out.read_bytes() == PAYLOAD
    assert downloads.is_url(Path(f"{url}/ok/x.pt")) and not downloads.is_url(Path("x.pt"))
    local = _zip(tmp_path / "local.zip", {"set/a.txt": b"a"})
    assert safe_download(Path(local), dir=tmp_path / "out") == tmp_path / "out" / "set"
    assert attempt_download_asset(Path(out)) == out
    with pytest.raises(DownloadError, match="neither an http"):
        safe_download(Path("no/such/file.zip"), dir=tmp_path)
