"""Articles and their annotation sidecars in a seeds directory.

An article is ``NAME.txt`` (UTF-8); its annotations and metadata are
``NAME.yaml`` beside it. ``background.yaml`` holds reference facts, and
``reference/wikidata.tsv`` the Wikidata identifiers that may be linked.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISREG

from kg.errors import InputError

MAX_ARTICLE_BYTES = 5_000_000
MAX_ANNOTATION_BYTES = 5_000_000
#: An article's name (its file name less ``.txt``) becomes part of IRIs
#: (``kgd:NAME``, ``kgd:NAME-q3-10``), so it is kept to characters no IRI escapes.
_DOC_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")


@dataclass(frozen=True)
class Article:
    doc_id: str
    text_path: Path
    annotation_path: Path
    text: str
    sha256: str


def check_inside(path: Path, seeds_dir: Path) -> None:
    """Refuse an input whose real path (symbolic links followed) leaves ``seeds_dir``.

    A seeds repository is data someone else may have written: a link in it
    must not make kg read, store, export and push any file on the machine.
    Links that stay inside the seeds directory are fine.
    """
    root_text, text = os.fspath(seeds_dir).rstrip(os.sep) + os.sep, os.fspath(path)
    if text.startswith(root_text):
        parts = text[len(root_text):].split(os.sep)
        if "" not in parts and "." not in parts and ".." not in parts and not any(
                os.path.islink(root_text + os.sep.join(parts[:i + 1]))
                for i in range(len(parts))):
            return  # no link on the way down from the seeds directory (the common case)
    try:
        real, root = Path(path).resolve(), Path(seeds_dir).resolve()
    except (OSError, RuntimeError) as e:  # a link loop
        raise InputError(f"cannot read: {getattr(e, 'strerror', None) or e}",
                         path=str(path)) from None
    if not real.is_relative_to(root):
        raise InputError(f"is a link to {real}, outside the seeds directory {seeds_dir}",
                         path=str(path),
                         hint="copy the file into the seeds directory: kg reads inputs "
                              "only from inside it")


def read_text_file(path: Path, limit: int, seeds_dir: Path | None = None) -> tuple[str, bytes]:
    """The UTF-8 text and bytes of a regular file of at most ``limit`` bytes.

    At most ``limit + 1`` bytes are ever read, so a device, a FIFO or a file
    that grows while it is read cannot make kg read without end. With
    ``seeds_dir``, a file whose real path leaves it is refused (:func:`check_inside`).
    """
    import stat

    if seeds_dir is not None:
        check_inside(path, seeds_dir)
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            raise InputError("not a regular file", path=str(path),
                             hint="give a plain text file")
        if st.st_size > limit:
            raise InputError(f"file is {st.st_size} bytes, more than the limit of {limit}",
                             path=str(path))
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror or e}", path=str(path)) from None
    if len(data) > limit:
        raise InputError(f"file grew past the limit of {limit} bytes while it was read",
                         path=str(path))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InputError(f"not valid UTF-8 (byte {e.start})", path=str(path), line=line) from None
    return text, data


def discover(seeds_dir: Path) -> list[Article]:
    """Every ``NAME.txt`` with its ``NAME.yaml``, sorted by name."""
    if not seeds_dir.is_dir():
        raise InputError("seeds directory not found", path=str(seeds_dir),
                         hint="run kg from the project root or pass --seeds DIR")
    articles = []
    for text_path in sorted(seeds_dir.glob("*.txt")):
        if not _DOC_ID.match(text_path.stem):
            raise InputError("an article's file name may hold only ASCII letters, digits, "
                             "'.', '_' and '-' (it names the article's IRI)",
                             path=str(text_path), hint="rename the .txt and its .yaml")
        ann = text_path.with_suffix(".yaml")
        if not ann.exists() and not ann.is_symlink():
            raise InputError("article has no annotation file beside it", path=str(text_path),
                             hint=f"create {ann.name} (see docs/design.md)")
        check_inside(ann, seeds_dir)
        if not ann.is_file():
            raise InputError("not a regular file", path=str(ann),
                             hint="the annotations of an article are a YAML file")
        text, data = read_text_file(text_path, MAX_ARTICLE_BYTES, seeds_dir)
        articles.append(Article(text_path.stem, text_path, ann, text,
                                hashlib.sha256(data).hexdigest()))
    if not articles:
        raise InputError("no articles (*.txt) found", path=str(seeds_dir))
    return articles


def input_files(seeds_dir: Path) -> list[Path]:
    """Every file whose content a build depends on, sorted."""
    return sorted(seeds_dir / rel for rel in input_stats(seeds_dir))


#: (subdirectory, file name suffixes) of the inputs of a build.
_INPUT_PATTERNS = (("", (".txt", ".yaml")), ("reference", (".tsv",)))
#: errors meaning "not a file here", as for :meth:`pathlib.Path.is_file`.
_NOT_THERE = (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP)


def input_stats(seeds_dir: Path) -> dict[str, os.stat_result]:
    """The files of :func:`input_files`, unsorted, by path relative to ``seeds_dir``,
    with their ``os.stat``.

    Checking a build of thousands of inputs for changes costs one ``stat``
    per file: a name listing, then a ``stat`` relative to the directory that
    both tells a regular file (symlinks followed) and gives its size and mtime.
    """
    out: dict[str, os.stat_result] = {}
    for sub, suffixes in _INPUT_PATTERNS:
        folder = os.path.join(seeds_dir, sub) if sub else os.fspath(seeds_dir)
        try:
            names = os.listdir(folder)
        except PermissionError:
            continue
        except OSError as e:
            if e.errno in _NOT_THERE:
                continue
            raise
        names = [n for n in names if os.path.normcase(n).endswith(suffixes)]
        prefix = sub + os.sep if sub else ""
        fd = os.open(folder, os.O_RDONLY) if os.stat in os.supports_dir_fd else None
        try:
            targets = names if fd is not None else [os.path.join(folder, n) for n in names]
            for name, target in zip(names, targets, strict=True):
                try:
                    st = os.stat(target, dir_fd=fd)
                except OSError as e:
                    if e.errno in _NOT_THERE:
                        continue
                    raise
                if S_ISREG(st.st_mode):
                    out[prefix + name] = st
        finally:
            if fd is not None:
                os.close(fd)
    return out


def read_wikidata_table(seeds_dir: Path) -> dict[str, str] | None:
    """QID -> label from ``reference/wikidata.tsv``; None when absent."""
    path = seeds_dir / "reference" / "wikidata.tsv"
    if not path.exists() and not path.is_symlink():
        return None
    text, _ = read_text_file(path, MAX_ANNOTATION_BYTES, seeds_dir)
    table = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("label\t"):
            continue
        cols = line.split("\t")
        if len(cols) >= 2:
            table[cols[1].strip()] = cols[0].strip()
    return table
