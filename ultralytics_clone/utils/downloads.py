"""The only module that opens network connections, and only when a download was asked for.

Downloads stream into `<file>.part` with a tqdm bar, are retried, are checked against Content-Length and are renamed
into place only when complete. YOLO_OFFLINE=1 refuses every download at once. YOLO_ASSETS_URL points weight
downloads at a mirror. Archives are extracted only when every member stays inside the target folder.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import tarfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

from ultralytics_clone.utils.errors import ArchiveError, DownloadError, SourceError
from ultralytics_clone.utils.log import LOGGER

ASSETS_URL = "https://github.com/ultralytics/assets/releases/download"
_FAMILIES = {"yolov8": "v8.3.0", "yolo11": "v8.3.0", "yolo26": "v8.4.0"}
_TASK_SUFFIXES = ("", "-seg", "-cls", "-pose", "-obb")
ASSET_NAMES = frozenset(
    f"{family}{scale}{suffix}.pt" for family in _FAMILIES for scale in "nsmlx" for suffix in _TASK_SUFFIXES
)
ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz")
GITHUB_ASSETS_REPO = "ultralytics/assets"
GITHUB_ASSETS_NAMES = ASSET_NAMES  # the official weights this package can fetch by name
GITHUB_ASSETS_STEMS = frozenset(Path(n).stem for n in ASSET_NAMES)
_JUNK = (".DS_Store", "__MACOSX")


def _url_text(url: str | Path) -> str:
    """`url` as text; a URL passed through Path() ('https:/host/f.zip', one slash lost) gets its '//' back."""
    text = os.fspath(url) if isinstance(url, os.PathLike) else str(url)
    return re.sub(r"^(https?|ftp):/(?=[^/])", r"\1://", text) if isinstance(url, os.PathLike) else text


def is_url(url: str | Path, check: bool = False) -> bool:
    """True for http(s)/ftp URLs; with `check`, also that the server answers (this opens a connection)."""
    url = _url_text(url)
    parsed = urllib.parse.urlparse(url)
    ok = parsed.scheme in {"http", "https", "ftp"} and bool(parsed.netloc)
    if ok and check:
        try:
            with urllib.request.urlopen(urllib.request.Request(str(url), method="HEAD"), timeout=10) as r:
                return r.status < 400
        except (OSError, http.client.HTTPException):
            return False
    return ok


def asset_url(name: str | Path) -> str:
    """Release URL of an official weights file such as 'yolo11n.pt' (YOLO_ASSETS_URL replaces the base)."""
    name = Path(name).name
    family = next((f for f in _FAMILIES if name.startswith(f)), "yolo11")
    base = os.getenv("YOLO_ASSETS_URL", ASSETS_URL).rstrip("/")
    return f"{base}/{_FAMILIES[family]}/{name}"


def _fetch(url: str, part: Path, timeout: float, progress: bool) -> None:
    """Stream `url` into `part`; raise DownloadError when fewer bytes arrive than announced."""
    from tqdm.auto import tqdm

    from ultralytics_clone import __version__

    request = urllib.request.Request(url, headers={"User-Agent": f"ultralytics_clone/{__version__}"})
    with urllib.request.urlopen(request, timeout=timeout) as response, open(part, "wb") as f:
        total = int(response.headers.get("Content-Length") or 0)
        desc = f"Downloading {Path(urllib.parse.urlparse(url).path).name}"
        with tqdm(total=total or None, unit="B", unit_scale=True, unit_divisor=1024, desc=desc, disable=not progress) as bar:
            while chunk := response.read(1 << 16):
                f.write(chunk)
                bar.update(len(chunk))
    got = part.stat().st_size
    if total and got != total:
        raise DownloadError(f"transfer was cut short: received {got} of {total} bytes")


def _looks_offline(err: BaseException) -> bool:
    """DNS failures and refused connections: retrying will not help."""
    reason = getattr(err, "reason", err)
    text = str(reason).lower()
    return isinstance(reason, (ConnectionRefusedError, PermissionError)) or any(
        s in text for s in ("name or service not known", "temporary failure in name resolution", "nodename nor servname",
                            "network is unreachable", "network access is disabled")
    )  # fmt: skip


def safe_download(
    url: str | Path,
    file: str | Path | None = None,
    dir: str | Path | None = None,
    unzip: bool = True,
    delete: bool = False,
    curl: bool = False,
    retry: int = 3,
    min_bytes: float = 1.0,
    exist_ok: bool = False,
    progress: bool = True,
    timeout: float = 30.0,
    hint: str = "",
) -> Path:
    """Download `url` to `file` (or into `dir`), keep a complete file or none; unzip archives when asked
    (`exist_ok`: extract again over an existing folder).

    Returns the downloaded file, or the extraction folder for an unzipped archive. Raises DownloadError naming the
    file and the URL, with `hint` (what to do offline) appended. `curl` is accepted for compatibility: downloads
    always use Python's own HTTP client.
    """
    url = _url_text(url)
    if not is_url(url) and Path(url).is_file():  # a local file: nothing to download, unzip it when asked
        dest = Path(url)
    else:
        name = Path(urllib.parse.urlparse(url).path).name or "download"
        dest = Path(file) if file else Path(dir or ".") / name
        if dir and file and not Path(file).is_absolute():
            dest = Path(dir) / file
        dest.parent.mkdir(parents=True, exist_ok=True)
        if not (dest.exists() and dest.stat().st_size >= min_bytes):
            if not is_url(url):
                raise DownloadError(f"'{url}' is neither an http(s)/ftp URL nor an existing file; nothing to download.")
            _download_with_retries(url, dest, retry, min_bytes, progress, timeout, hint)
    if unzip and str(dest).endswith(ARCHIVE_SUFFIXES):
        out = unzip_file(dest, path=Path(dir) if dir else dest.parent, exist_ok=exist_ok, progress=progress)
        if delete:
            dest.unlink()
        return out
    return dest


def _download_with_retries(url, dest: Path, retry: int, min_bytes: int, progress: bool, timeout: float, hint: str):
    """The retry loop of safe_download: `.part` file, size checks, rename on success, cleanup on failure."""
    fix = hint or f"Download it on a connected machine and place it at '{dest}'."
    if os.getenv("YOLO_OFFLINE", "").lower() in {"1", "true", "yes"}:
        raise DownloadError(f"'{dest.name}' is not available locally and YOLO_OFFLINE is set, so {url} was not fetched. {fix}")
    part = dest.with_name(dest.name + ".part")
    last: BaseException | None = None
    for attempt in range(1, max(1, retry) + 1):
        try:
            LOGGER.info(f"Downloading {url} to '{dest}'...")
            _fetch(url, part, timeout, progress)
            if part.stat().st_size < min_bytes:
                raise DownloadError(f"file is smaller than {min_bytes} bytes")
            os.replace(part, dest)
            return
        except (OSError, http.client.HTTPException, DownloadError) as err:
            last = err
            with contextlib.suppress(OSError):
                part.unlink()
            if _looks_offline(err) or isinstance(err, urllib.error.HTTPError) and err.code == 404:
                break
            if attempt < retry:
                LOGGER.warning(f"Download attempt {attempt}/{retry} of {url} failed ({err}); retrying...")
                time.sleep(min(2 ** (attempt - 1), 4))
    offline = " This machine appears to be offline." if last is not None and _looks_offline(last) else ""
    raise DownloadError(f"Could not download '{dest.name}' from {url}: {last}.{offline} {fix}")


def _members_inside(root: Path, names: list[str]) -> None:
    """Raise ArchiveError if any member name would resolve outside `root`."""
    base = root.resolve()
    for name in names:
        target = (base / name).resolve()
        if os.path.isabs(name) or not (target == base or base in target.parents):
            raise ArchiveError(
                f"refusing to extract: archive member '{name}' would be written outside '{root}'. "
                "Nothing was extracted; check where the archive came from."
            )


def unzip_file(
    file: str | Path, path: str | Path | None = None, exclude: tuple[str, ...] = _JUNK, exist_ok: bool = False,
    progress: bool = True,
) -> Path:
    """Extract a .zip or .tar(.gz) archive into `path` (default: beside it) and return the folder holding its content.

    Every member is checked before anything is written; links and members escaping the folder are refused. Zip
    members whose path contains one of `exclude` are skipped; `progress` is accepted for compatibility.
    """
    file = Path(file)
    path = Path(path) if path else file.parent
    try:
        if zipfile.is_zipfile(file):
            with zipfile.ZipFile(file) as zf:
                names = [n for n in zf.namelist() if not any(x in n for x in exclude)]
                _members_inside(path, names)
                out = _output_dir(path, file, names)
                if out.exists() and any(out.iterdir()) and not exist_ok:
                    LOGGER.info(f"Skipping extraction of '{file.name}': '{out}' already holds files.")
                    return out
                for name in names:
                    zf.extract(name, path)
                return out
        with tarfile.open(file) as tf:
            members = tf.getmembers()
            bad = [m.name for m in members if not (m.isfile() or m.isdir())]
            if bad:
                raise ArchiveError(f"refusing to extract '{file.name}': member '{bad[0]}' is a link or device file.")
            _members_inside(path, [m.name for m in members])
            out = _output_dir(path, file, [m.name for m in members])
            for m in members:
                tf.extract(m, path)
            return out
    except (zipfile.BadZipFile, tarfile.TarError, EOFError) as err:
        raise ArchiveError(f"'{file}' is not a readable .zip or .tar archive ({err}).") from err


def _output_dir(path: Path, file: Path, names: list[str]) -> Path:
    """The folder the content lands in: the archive's single top-level folder, else `path` itself."""
    tops = {Path(n).parts[0] for n in names if Path(n).parts}
    return path / tops.pop() if len(tops) == 1 and any(len(Path(n).parts) > 1 for n in names) else path


def attempt_download_asset(file: str | Path, repo: str = GITHUB_ASSETS_REPO, release: str = "v8.4.0", **kwargs) -> Path:
    """Find weights `file` locally or in settings' weights_dir; download official assets and URLs on demand.

    Official names resolve to the release that published them; a `repo` other than Ultralytics' assets fetches
    `file` from that repository's `release` instead. Extra keyword arguments go to safe_download.
    Raises SourceError for an unknown missing file, DownloadError when a download fails (offline included).
    """
    file = _url_text(file)
    path = Path(file.strip().replace("'", ""))
    if path.exists():
        return path
    from ultralytics_clone.utils.settings import SETTINGS

    weights_dir = Path(SETTINGS["weights_dir"])
    if is_url(file):
        name = Path(urllib.parse.urlparse(file).path).name
        return safe_download(file, file=weights_dir / name, **{"unzip": False, **kwargs})
    stored = weights_dir / path.name
    if stored.exists():
        return stored
    custom = repo != GITHUB_ASSETS_REPO
    if (path.name in ASSET_NAMES or custom) and path.name == str(path):
        url = f"https://github.com/{repo}/releases/download/{release}/{path.name}" if custom else asset_url(path.name)
        hint = (
            f"Alternatives: put '{path.name}' in the weights folder '{weights_dir}' (settings weights_dir) or pass its "
            f"local path, or build an untrained model from its YAML, e.g. YOLO('{path.stem}.yaml')."
        )
        return safe_download(url, file=stored, **{"unzip": False, "hint": hint, **kwargs})
    raise SourceError(
        f"model file '{file}' was not found (looked at '{path.resolve()}' and in weights_dir '{weights_dir}'), and it "
        "is not an official asset name like 'yolo11n.pt'. Pass an existing .pt path or a model YAML like 'yolo11n.yaml'."
    )



def download(
    url: str | Path | list, dir: str | Path | None = None, unzip: bool = True, delete: bool = False,
    curl: bool = False, threads: int = 1, retry: int = 3, exist_ok: bool = False,
) -> list[Path]:
    """safe_download each URL (one or a list) into `dir` (default: the current folder), `threads` at a time;
    returns the downloaded files (or extraction folders)."""
    urls = [url] if isinstance(url, (str, Path)) else list(url)
    target = Path(dir or ".")
    target.mkdir(parents=True, exist_ok=True)

    def one(u: str | Path) -> Path:
        return safe_download(u, dir=target, unzip=unzip, delete=delete, curl=curl, retry=retry, exist_ok=exist_ok)

    if threads > 1:
        from multiprocessing.pool import ThreadPool

        with ThreadPool(threads) as pool:
            return pool.map(one, urls)
    return [one(u) for u in urls]


def check_disk_space(file_bytes: int, path: str | Path | None = None, sf: float = 1.5, hard: bool = True) -> bool:
    """True when `path` (default: the current folder) has room for `file_bytes` times the safety factor `sf`;
    otherwise DownloadError (hard) or a warning and False."""
    import shutil

    free = shutil.disk_usage(Path(path or Path.cwd())).free
    need = file_bytes * sf
    if free >= need:
        return True
    text = f"not enough disk space: {need / 2**30:.2f} GB needed, {free / 2**30:.2f} GB free at '{path or Path.cwd()}'."
    if hard:
        raise DownloadError(text)
    LOGGER.warning(text)
    return False


def delete_dsstore(path: str | Path, files_to_delete: tuple[str, ...] = _JUNK) -> None:
    """Remove macOS metadata files and folders (`.DS_Store`, `__MACOSX`) anywhere under `path`."""
    import shutil

    for name in files_to_delete:
        for f in sorted(Path(path).rglob(name), reverse=True):
            shutil.rmtree(f) if f.is_dir() else f.unlink()


def zip_directory(
    directory: str | Path, compress: bool = True, exclude: tuple[str, ...] = _JUNK, progress: bool = True
) -> Path:
    """Zip everything under `directory` (names relative to it, `exclude` matches skipped) into `<directory>.zip`,
    written atomically; returns the archive path."""
    from ultralytics_clone.utils.files import atomic_open

    directory = Path(directory)
    if not directory.is_dir():
        raise SourceError(f"zip_directory: '{directory}' is not a folder.")
    out = directory.with_suffix(".zip")
    files = [f for f in sorted(directory.rglob("*")) if f.is_file() and not any(x in f.name for x in exclude)]
    with atomic_open(out) as handle, zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED) as zf:
        for f in files:
            zf.write(f, f.relative_to(directory))
    return out


from ultralytics_clone.out_of_scope import module_getattr  # noqa: E402  (reference names left out: clear error)

__getattr__ = module_getattr(__name__)
