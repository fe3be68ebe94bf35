"""The built store on disk: written atomically, opened fast, checked for staleness.

Layout of a store directory (``.kg`` by default)::

    .kg/.kg-store                   kg's marker, and the build lock (flock)
    .kg/current -> builds/<id>      symlink, replaced atomically by each build
    .kg/builds/<id>/.kg-build       marker: kg made this build (written first)
    .kg/builds/<id>/oxigraph/       the quads (an Oxigraph RocksDB store)
    .kg/builds/<id>/manifest.json   inputs fingerprint, counts, versions
    .kg/builds/<id>/explain.json    kg explain's intermediate memberships
    .kg/builds/<id>/incremental.pickle  what the next build needs to add new articles
                                    (kg.incremental)

A build writes a new ``builds/<id>`` and then swaps the ``current`` link, so
a failed or interrupted build leaves the previous build untouched.

Who may touch what:

* kg builds only into an empty directory, one holding its ``.kg-store``
  marker, or a store of an earlier kg (``current`` and ``builds/`` only,
  ``current`` leading to a build with kg's manifest); anything else is
  refused, as is a ``builds`` that is a symbolic link.
* One build at a time: a build holds an exclusive ``flock`` on ``.kg-store``
  from start to end; a second build fails at once (see :func:`build_lock`).
* A reader (``kg query``, ``export``, ``stats``, ...) holds a shared
  ``flock`` on the build directory it opened, for as long as its process
  lives. A build removes an old build only if it can lock it exclusively
  without waiting, never the one ``current`` leads to, and only directories
  holding kg's marker or manifest; a build still being read is left for a
  later build to remove.

This module imports neither rdflib nor click: it is on the path of a cold
``kg query``.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import hashlib
import json
import os
import shutil
import stat
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kg import __version__
from kg.errors import InputError, StoreError

try:
    import fcntl
except ImportError:  # Windows: no locks (one build at a time is then up to the user)
    fcntl = None

ENV_STORE = "KG_STORE"
ENV_SEEDS = "KG_SEEDS"
DEFAULT_STORE = ".kg"
DEFAULT_SEEDS = "seeds"
MANIFEST = "manifest.json"
#: kg's marker in a store directory; also the file the build lock is taken on.
STORE_MARKER = ".kg-store"
#: kg's marker in each build directory it makes (written before anything else).
BUILD_MARKER = ".kg-build"
_STORE_MARKER_TEXT = ("This directory is a kg store, written by `kg build`.\n"
                      "kg replaces and removes the builds in builds/ that it made.\n")
FORMAT_VERSION = 1
LOAD_BATCH_BYTES = 40_000_000  # about 250k quads


def default_store_dir() -> Path:
    return Path(os.environ.get(ENV_STORE) or DEFAULT_STORE)


def default_seeds_dir() -> Path:
    return Path(os.environ.get(ENV_SEEDS) or DEFAULT_SEEDS)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def packaged_fingerprint() -> str:
    """A digest of the ontology and shapes shipped with this version of kg."""
    from kg.resources import ontology_dir

    h = hashlib.sha256(__version__.encode())
    for entry in sorted(ontology_dir().iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".ttl"):
            h.update(entry.name.encode())
            h.update(entry.read_bytes())
    return h.hexdigest()


def fingerprint(files: list[Path], seeds_dir: Path) -> dict[str, list]:
    """relative path -> [size, mtime_ns, sha256, ctime_ns] for each input file.

    The ctime (which no program can set back, unlike the mtime) lets a
    staleness check trust size and mtime without reading the file: see
    :meth:`BuiltStore.stale_inputs`.
    """
    from kg.read.sources import check_inside

    out = {}
    for p in files:
        check_inside(p, seeds_dir)  # not even hashed when it leads out of the seeds
        try:
            st = os.stat(p)
            digest = file_sha256(p)
        except OSError as e:
            raise InputError(f"cannot read: {e.strerror or e}", path=str(p)) from None
        out[str(p.relative_to(seeds_dir))] = [st.st_size, st.st_mtime_ns, digest,
                                              st.st_ctime_ns]
    return out


def unchanged(st: os.stat_result, seen: list, path: Path) -> bool:
    """Whether a file with this stat still holds what ``seen`` (a fingerprint entry) records.

    Same size, mtime and ctime: unchanged, without reading it. Another size:
    changed. Otherwise (touched, copied, or edited with its mtime set back)
    the content hash decides.
    """
    size, mtime, digest = seen[0], seen[1], seen[2]
    ctime = seen[3] if len(seen) > 3 else None  # manifests of kg 0.x before the ctime
    if st.st_size != size:
        return False
    if st.st_mtime_ns == mtime and st.st_ctime_ns == ctime:
        return True
    try:
        return file_sha256(path) == digest
    except OSError:
        return False


@dataclass
class BuiltStore:
    """An opened build: the Oxigraph store (read-only) and its manifest."""

    path: Path
    manifest: dict
    oxigraph: object  # pyoxigraph.Store

    def stale_inputs(self) -> list[str]:
        """Inputs that changed since the build (empty when fresh).

        The seed files are compared only when the seeds directory the build
        recorded still exists: a store moved away from its seeds (or whose
        seeds were archived) stays queryable.
        """
        seeds_dir = Path(self.manifest["seeds_dir"])
        out = self._changed_seeds(seeds_dir) if seeds_dir.is_dir() else []
        if self.manifest.get("kg_version") != __version__ or \
                self.manifest.get("packaged") != packaged_fingerprint():
            out.append("the ontology or kg itself (a new version is installed)")
        from kg.project import project_fingerprint

        if self.manifest.get("project") != project_fingerprint():
            out.append("the project's ontology extension or queries")
        return out

    def _changed_seeds(self, seeds_dir: Path) -> list[str]:
        """The seed files added, removed or edited since the build, sorted by path."""
        from kg.read.sources import input_stats

        recorded: dict[str, list] = self.manifest["inputs"]
        current = input_stats(seeds_dir)
        # (relative path, message), sorted by path at the end; each file is stat'ed once
        changed = [(rel, f"{rel} (removed)") for rel in recorded.keys() - current.keys()]
        changed += [(rel, f"{rel} (new)") for rel in current.keys() - recorded.keys()]
        for rel, st in current.items():
            seen = recorded.get(rel)
            if seen is not None and not unchanged(st, seen, seeds_dir / rel):
                changed.append((rel, rel))
        changed.sort()
        return [message for _, message in changed]


def open_store(store_dir: Path, *, check_fresh: bool = True) -> BuiltStore:
    """Open the current build read-only; refuse a missing, damaged or stale one.

    The build opened stays readable for as long as this process lives: a
    shared lock on its directory keeps a later ``kg build`` from removing it
    (see :func:`_lock_build`).
    """
    import pyoxigraph

    build_dir = _lock_build(store_dir)
    manifest_path = build_dir / MANIFEST if build_dir is not None else None
    if manifest_path is None or not manifest_path.is_file():
        raise StoreError(f"no built graph at {store_dir}",
                         hint="run `kg build` first (or pass --store / set KG_STORE)")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise StoreError(f"the build at {store_dir} is unreadable ({e})",
                         hint="run `kg build` again") from None
    if isinstance(manifest, dict) and "format" in manifest and \
            manifest["format"] != FORMAT_VERSION:
        raise StoreError(f"the build at {store_dir} was made by another version of kg",
                         hint="run `kg build` again")
    problem = _manifest_problem(manifest)
    if problem:
        raise StoreError(f"the build at {store_dir} is damaged: its {MANIFEST} {problem}",
                         hint="run `kg build` again")
    try:
        ox = pyoxigraph.Store.read_only(str(build_dir / "oxigraph"))
    except (OSError, RuntimeError, ValueError) as e:
        raise StoreError(f"the build at {store_dir} is damaged: cannot open its quads "
                         f"({_reason(e)})", hint="run `kg build` again") from None
    built = BuiltStore(store_dir, manifest, ox)
    if check_fresh:
        changed = built.stale_inputs()
        if changed:
            shown = ", ".join(changed[:3]) + (f" and {len(changed) - 3} more"
                                             if len(changed) > 3 else "")
            raise StoreError(f"the built graph at {store_dir} is stale: {shown} changed "
                             "since the build", hint="run `kg build` to rebuild it")
    return built


def _manifest_problem(manifest) -> str | None:
    """What is wrong with a manifest's shape (None when the fields kg reads are there)."""
    if not isinstance(manifest, dict):
        return "is not a JSON object"
    if manifest.get("format") != FORMAT_VERSION:
        return "has no format version"
    if not isinstance(manifest.get("seeds_dir"), str):
        return "has no seeds_dir"
    inputs = manifest.get("inputs")
    if not isinstance(inputs, dict) or not all(
            isinstance(v, list) and len(v) in (3, 4)
            and all(isinstance(x, int) and not isinstance(x, bool) for x in v[:2] + v[3:])
            and isinstance(v[2], str) for v in inputs.values()):
        return "has no valid inputs"
    counts = manifest.get("counts")
    if not isinstance(counts, dict) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in counts.values()):
        return "has no valid counts"
    return None


def _reason(e: BaseException) -> str:
    """The operating system's words for an error (Oxigraph's come last in its message)."""
    if isinstance(e, OSError) and e.strerror:
        return e.strerror
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return text.rsplit(": ", 1)[-1] if text.startswith("IO error") else text


#: build directory -> descriptor holding a shared flock on it, for the life of the process
#: (least recently opened first)
_READERS: dict[str, int] = {}
#: At most this many builds stay locked by one process: opening one more lets go of the
#: least recently opened (in a long-lived process, a build long replaced).
MAX_HELD_BUILDS = 64


def _lock_build(store_dir: Path) -> Path | None:
    """The directory ``current`` leads to, share-locked; None when there is none.

    The lock lives as long as the process (forked query runners share it),
    for the last MAX_HELD_BUILDS builds it opened.
    A build that a builder removed between resolving the link and taking
    the lock is noticed (the directory is gone) and the link read again.
    """
    for _ in range(10):
        try:
            target = (Path(store_dir) / "current").resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        key = str(target)
        if key in _READERS:
            _READERS[key] = _READERS.pop(key)  # now the most recently opened
            return target
        if fcntl is None:
            return target
        try:
            fd = os.open(target, os.O_RDONLY | os.O_DIRECTORY)
        except FileNotFoundError:
            continue  # removed after it was resolved: read the link again
        except OSError:
            return target  # not a directory: open_store reports it
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)  # waits only while a builder removes it
            gone = not os.path.samestat(os.fstat(fd), os.stat(target))
        except FileNotFoundError:
            gone = True
        except OSError:  # no flock here (some network file systems): read unlocked
            gone = False
        if gone:
            os.close(fd)
            continue
        while len(_READERS) >= MAX_HELD_BUILDS:
            os.close(_READERS.pop(next(iter(_READERS))))
        _READERS[key] = fd
        return target
    raise StoreError(f"the store at {store_dir} was replaced while it was being opened",
                     hint="run the command again")


def release_readers() -> None:
    """Let go of every build this process opened (a later build may then remove them)."""
    while _READERS:
        os.close(_READERS.popitem()[1])


# --- writing: the store directory, the build lock, a new build -------------------------------

@contextlib.contextmanager
def build_lock(store_dir: Path):
    """Own ``store_dir`` for one build: check it is kg's, mark it, lock it exclusively.

    A second build into the same store fails at once rather than waiting:
    a build takes minutes at scale and a waiting one would hang silently,
    then redo the same work; the first build's result is what it would
    have written anyway, and a script can retry.
    """
    store_dir = Path(store_dir)
    _claim(store_dir)
    try:
        fd = os.open(store_dir / STORE_MARKER, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0))
    except OSError as e:
        raise _write_error(store_dir, e) from None
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StoreError(f"another kg build is writing to {store_dir}",
                                 hint="wait for it to finish, then run `kg build` again "
                                      "(builds into one store run one at a time)") from None
            except OSError:
                pass  # no flock on this file system: unguarded, as before
        yield
    finally:
        os.close(fd)


def _claim(store_dir: Path) -> None:
    """Refuse a directory that is not kg's; write the marker into a new or earlier store."""
    try:
        names = os.listdir(store_dir)
    except FileNotFoundError:
        names = None
    except NotADirectoryError:
        raise StoreError(f"the store {store_dir} is not a directory",
                         hint="pass --store a directory for kg's builds") from None
    except OSError as e:
        raise _write_error(store_dir, e) from None
    builds = store_dir / "builds"
    if builds.is_symlink():
        raise StoreError(f"{builds} is a symbolic link: kg build writes and removes builds "
                         "only inside the store directory",
                         hint="remove the link, or pass --store a new directory")
    marker = store_dir / STORE_MARKER
    if names is not None and STORE_MARKER in names:
        if not stat.S_ISREG(os.lstat(marker).st_mode):
            raise StoreError(f"the store {store_dir} has a {STORE_MARKER} that is not a "
                             "plain file", hint="pass --store a new or empty directory")
    elif names and not _earlier_store(store_dir, names):
        shown = ", ".join(sorted(names)[:3]) + (f" and {len(names) - 3} more"
                                                if len(names) > 3 else "")
        raise StoreError(f"{store_dir} is not a kg store: it holds {shown} and no "
                         f"{STORE_MARKER} marker; kg build will not write or delete there",
                         hint="pass --store a new or empty directory")
    if builds.exists() and not builds.is_dir():
        raise StoreError(f"{builds} is not a directory",
                         hint="pass --store a new or empty directory")
    if names is not None and STORE_MARKER in names:
        return
    try:
        store_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                     | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except FileExistsError:
        return  # another build marked it first
    except OSError as e:
        raise _write_error(store_dir, e) from None
    try:
        os.write(fd, _STORE_MARKER_TEXT.encode("utf-8"))
    except OSError as e:
        os.close(fd)
        marker.unlink(missing_ok=True)
        raise _write_error(store_dir, e) from None
    os.close(fd)


def _earlier_store(store_dir: Path, names: list[str]) -> bool:
    """A store an earlier kg wrote: ``current`` to one of its ``builds`` with kg's manifest
    (and leftover ``current.tmp-*`` links), or only an empty ``builds``."""
    builds = store_dir / "builds"
    if builds.is_symlink() or not builds.is_dir():
        return False
    rest = {n for n in names if not n.startswith("current.tmp-")} - {"builds"}
    if not rest:
        return not os.listdir(builds)
    current = store_dir / "current"
    if rest != {"current"} or not current.is_symlink():
        return False
    try:
        target = current.resolve(strict=True)
        manifest = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, RuntimeError, ValueError):
        return False
    return target.parent == builds.resolve() and isinstance(manifest, dict) and \
        "format" in manifest and "kg_version" in manifest


def _write_error(store_dir: Path, e: BaseException, tail: str = "") -> StoreError:
    reason = _reason(e)
    hint = {errno.ENOSPC: "free some disk space, or pass --store a directory on another disk",
            errno.EDQUOT: "free some disk space, or pass --store a directory on another disk",
            errno.EFBIG: "raise the file size limit (ulimit -f), or pass --store elsewhere",
            errno.EROFS: "pass --store a directory on a writable file system",
            errno.EACCES: "pass --store a directory you may write to",
            errno.EPERM: "pass --store a directory you may write to"}.get(
        getattr(e, "errno", None) or _errno_of(reason),
        "pass --store a directory kg may write to")
    return StoreError(f"cannot write the store at {store_dir}: {reason}{tail}", hint=hint)


def _errno_of(reason: str) -> int | None:
    """The errno whose text is ``reason`` (Oxigraph reports errors as text only)."""
    for code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES,
                 errno.EPERM):
        if os.strerror(code) == reason:
            return code
    return None


class BuildSink:
    """A new build being written, the sink of the pipeline (see :func:`new_build`):
    ``load`` N-Quads chunks, ``finish`` (the checks may then read ``store``),
    ``commit``. ``timings`` gets the seconds spent waiting for the writer after
    the last load (``store-drain``), compacting (``store-optimize``, beside the
    checks) and waiting for the compaction after them (``store-settle``)."""

    def __init__(self, store_dir: Path, build_dir: Path, store) -> None:
        self.store_dir, self.dir, self.store = store_dir, build_dir, store
        self.timings = {"store-drain": 0.0, "store-optimize": 0.0, "store-settle": 0.0}
        #: the work left to a second thread, and the timing its wait is added to:
        #: the writer (load(wait=False)) or the compaction (finish)
        self._pending: tuple[Callable[[], float], str] | None = None

    def load(self, chunks, *, wait: bool = True) -> None:
        """Bulk-load N-Quads chunks (bytes). With ``wait=False`` it returns once the last
        chunk is handed to the writer thread, which goes on beside the caller (the
        reasoning, at the end of the evidence): the next ``load``, ``finish`` or
        :meth:`wait` waits for it, and raises its error."""
        self.wait()
        if wait:
            self.timings["store-drain"] += _load_in_background(self.store, chunks)
        else:
            self._pending = (_start_loading(self.store, chunks), "store-drain")

    def wait(self) -> None:
        """Wait for the chunks a ``load(wait=False)`` left to the writer, or for the
        compaction ``finish`` started; raise their error."""
        pending, self._pending = self._pending, None
        if pending is not None:
            waiting, timing = pending
            self.timings[timing] += waiting()

    def update(self, removals, additions) -> None:
        """Remove and then add quads (pyoxigraph Quads): an incremental build's delta."""
        for quad in removals:
            self.store.remove(quad)
        self.store.extend(additions)
        self.store.flush()

    def finish(self) -> None:
        """Wait for the writer, then compact the store on a second thread: the checks
        read the store meanwhile, and :meth:`commit` (or :meth:`wait`) waits for it."""
        self.wait()
        self.store.flush()
        self._pending = (_start_optimizing(self.store, self.timings), "store-settle")

    def commit(self, manifest: dict, sidecars: dict[str, bytes]) -> None:
        """Write the sidecars ({file name: bytes}) and the manifest; make the build current."""
        self.wait()
        store_dir, self.store = self.store_dir, None  # the quads are complete on disk
        for name, data in sidecars.items():
            (self.dir / name).write_bytes(data)
        tmp_manifest = self.dir / (MANIFEST + ".tmp")
        tmp_manifest.write_text(json.dumps({"format": FORMAT_VERSION, **manifest}, indent=2,
                                           sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp_manifest, self.dir / MANIFEST)
        link_tmp = store_dir / f"current.tmp-{os.getpid()}"
        if link_tmp.is_symlink() or link_tmp.exists():
            link_tmp.unlink()
        os.symlink(os.path.relpath(self.dir, store_dir), link_tmp)
        os.replace(link_tmp, store_dir / "current")


def current_build(store_dir: Path) -> Path | None:
    """The build directory ``current`` leads to, if it is one of the store's own builds."""
    try:
        target = (Path(store_dir) / "current").resolve(strict=True)
        builds = (Path(store_dir) / "builds").resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    return target if target.parent == builds and target.is_dir() else None


def read_manifest(build_dir: Path) -> dict | None:
    """A build's manifest (None when missing, unreadable or of another shape)."""
    try:
        manifest = json.loads((Path(build_dir) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if _manifest_problem(manifest) is None else None


@contextlib.contextmanager
def new_build(store_dir: Path, base: Path | None = None):
    """A new build of ``store_dir`` (the caller holds the build lock), as a :class:`BuildSink`.

    With ``base`` (the current build's directory) the new build starts as a copy
    of its quads (a RocksDB checkpoint: hard links, milliseconds at any size),
    for an incremental build to update.
    On any failure inside the block the new build is removed and the previous
    one stays current (an OSError becomes a StoreError that says so).
    """
    import pyoxigraph

    builds = store_dir / "builds"
    kept = ("; the previous build is still current" if (store_dir / "current").exists()
            else "; no build was written")
    try:
        builds.mkdir(parents=True, exist_ok=True)
        build_dir = Path(tempfile.mkdtemp(prefix=time.strftime("%Y%m%dT%H%M%S-"), dir=builds))
    except OSError as e:
        raise _write_error(store_dir, e, kept) from None
    sink = None
    try:
        (build_dir / BUILD_MARKER).write_bytes(b"")
        if base is not None:
            pyoxigraph.Store.read_only(str(base / "oxigraph")).backup(str(build_dir / "oxigraph"))
        sink = BuildSink(store_dir, build_dir, pyoxigraph.Store(str(build_dir / "oxigraph")))
        yield sink
        if sink.store is not None:
            raise RuntimeError("a new build was left without a commit")
    except BaseException as e:
        # Close the new store before removing it: RocksDB keeps writing files
        # while a Store is open, and the traceback's frames still hold it.
        traceback.clear_frames(e.__traceback__)
        if sink is not None:
            _stop_quietly(sink)
            sink.store = None
        gc.collect()
        _remove_tree(build_dir)
        if isinstance(e, OSError):
            raise _write_error(store_dir, e, kept) from None
        raise
    with contextlib.suppress(OSError):  # the new build is current: clean-up is best effort
        _remove_old_builds(store_dir, keep=build_dir)


def _remove_tree(path: Path) -> None:
    for _ in range(5):
        shutil.rmtree(path, ignore_errors=True)
        if not path.exists():
            return
        time.sleep(0.1)


def _stop_quietly(sink: BuildSink) -> None:
    """Let the writer a failed build left running finish (the directory is removed next)."""
    while True:
        try:
            sink.wait()
            return
        except KeyboardInterrupt:
            continue  # the writer is stopping: wait for it, then remove the directory
        except Exception:  # noqa: BLE001 - the build has failed already: that error is raised
            return


def _load_in_background(ox, chunks) -> float:
    """:func:`_start_loading`, waiting for the writer; the seconds spent waiting for it
    after the last chunk."""
    return _start_loading(ox, chunks)()


def _start_loading(ox, chunks) -> Callable[[], float]:
    """Bulk-load N-Quads chunks in batches, on a second thread.

    Returns once the last chunk is queued: the function returned waits for the writer
    and returns the seconds spent waiting.
    A batch is about LOAD_BATCH_BYTES: Oxigraph's bulk loader holds a batch in
    memory (one stream of 2 M quads peaked at 1.4 GB, batches of 250k quads at
    0.4 GB for 40% more time). Oxigraph loads a batch without holding the GIL, so the caller's
    generator (mapping the next articles) runs meanwhile on the other core.
    An error on either side stops both and is raised here.
    """
    import queue
    import threading

    import pyoxigraph

    batches: queue.Queue = queue.Queue(maxsize=2)
    failure: list[BaseException] = []
    cancelled: list[bool] = []

    def writer() -> None:
        while True:
            data = batches.get()
            if data is None:
                return
            if failure or cancelled:
                continue  # drain after a failure so the producer never blocks
            try:
                # lenient: Oxigraph skips re-validating IRIs (20% faster). Every IRI
                # kg writes is built from parts checked on the way in: record ids
                # and article names by pattern, terms from the ontology, QIDs.
                ox.bulk_load(data, format=pyoxigraph.RdfFormat.N_QUADS, lenient=True)
            except BaseException as e:  # noqa: BLE001 - re-raised in the caller
                failure.append(e)

    thread = threading.Thread(target=writer, name="kg-store-writer", daemon=True)
    thread.start()
    try:
        batch: list[bytes] = []
        size = 0
        for chunk in chunks:
            if failure:
                break
            batch.append(chunk)
            size += len(chunk)
            if size >= LOAD_BATCH_BYTES:
                batches.put(b"".join(batch))
                batch, size = [], 0
        if batch and not failure:
            batches.put(b"".join(batch))
    except BaseException:
        cancelled.append(True)  # the writer skips what is still queued
        # Whatever happened (a Ctrl-C included), let the writer finish its batch
        # before the caller removes the directory it writes into.
        _stop_writer(batches, thread)
        raise

    def finish() -> float:
        t_drain = time.perf_counter()
        interrupted = _stop_writer(batches, thread)
        drained = time.perf_counter() - t_drain
        if failure:
            raise failure[0]
        if interrupted is not None:
            raise interrupted
        return drained

    return finish


def _start_optimizing(ox, timings: dict[str, float]) -> Callable[[], float]:
    """Compact the store (``optimize``) on a second thread; its seconds go to
    ``timings["store-optimize"]``. Compacting makes queries on the store 5-40%
    faster (measured at 10,000 articles) and is one core's work (55-75 s at 10,000
    articles), so the checks run on the other core meanwhile. The function returned
    waits for it (even through Ctrl-C), raises its error, and returns the seconds
    spent waiting."""
    import threading

    failure: list[BaseException] = []

    def optimize() -> None:
        t0 = time.perf_counter()
        try:
            ox.optimize()
        except BaseException as e:  # noqa: BLE001 - re-raised in the caller
            failure.append(e)
        timings["store-optimize"] = time.perf_counter() - t0

    thread = threading.Thread(target=optimize, name="kg-store-optimizer", daemon=True)
    thread.start()

    def settle() -> float:
        t0 = time.perf_counter()
        interrupted = _join(thread)
        if failure:
            raise failure[0]
        if interrupted is not None:
            raise interrupted
        return time.perf_counter() - t0

    return settle


def _stop_writer(batches, thread) -> BaseException | None:
    """Tell the writer thread to stop and wait for it, even through Ctrl-C."""
    interrupted = None
    while True:
        try:
            batches.put(None)
            break
        except KeyboardInterrupt as e:
            interrupted = e
    return _join(thread) or interrupted


def _join(thread) -> BaseException | None:
    """Wait for ``thread`` to end, even through Ctrl-C; the last KeyboardInterrupt, if any."""
    interrupted = None
    while thread.is_alive():
        try:
            thread.join()
        except KeyboardInterrupt as e:
            interrupted = e
    return interrupted


def graph_counts(ox) -> dict[str, int]:
    """Triples per named graph of a build, counted in the store."""
    from kg.namespaces import GRAPH_NAMES, graph_iri

    counts = dict.fromkeys(GRAPH_NAMES, 0)
    by_iri = {graph_iri(n): n for n in GRAPH_NAMES}
    for row in ox.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"):
        name = by_iri.get(row["g"].value)
        if name is not None:
            counts[name] = int(row["n"].value)
    return counts


def _remove_old_builds(store_dir: Path, keep: Path) -> None:
    """Remove the builds kg made that no one reads, except ``keep`` and the current one.

    Only real directories holding kg's build marker or manifest are removed,
    each under an exclusive lock taken without waiting: a build a reader
    holds is left for a later build to remove.
    """
    builds = store_dir / "builds"
    spare = {keep.resolve()}
    with contextlib.suppress(OSError, RuntimeError):
        spare.add((store_dir / "current").resolve(strict=True))
    with os.scandir(builds) as entries:
        olds = [Path(e.path) for e in entries if e.is_dir(follow_symlinks=False)]
    for old in olds:
        if old.resolve() in spare or not (
                (old / BUILD_MARKER).is_file() or (old / MANIFEST).is_file()):
            continue
        try:
            fd = os.open(old, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue
        try:
            if fcntl is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # a reader holds it: a later build removes it
                except OSError:
                    pass  # no flock on this file system: removed unguarded, as before
            shutil.rmtree(old, ignore_errors=True)
        finally:
            os.close(fd)
    for stray in store_dir.glob("current.tmp-*"):
        if stray.is_symlink():
            stray.unlink(missing_ok=True)
