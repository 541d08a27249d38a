"""Uploaded and stored files as local paths, for GDAL and the other libraries that read
files by name."""

import contextlib
import tempfile
from pathlib import Path


@contextlib.contextmanager
def local_path(file):
    """A file being uploaded, or a stored one, as a local path, whatever the storage (disk
    or S3). Read by chunks, which leaves an upload open to be saved after."""
    if hasattr(file, "temporary_file_path"):
        # A large upload Django already wrote to disk: no second copy of a big file.
        yield Path(file.temporary_file_path())
        return
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / Path(file.name).name
        with open(path, "wb") as out:
            for chunk in file.chunks():
                out.write(chunk)
        yield path
