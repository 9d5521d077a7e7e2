"""Where the warm process listens, and which installation it belongs to (built-in modules only: the client imports this).

The socket lives in a folder only the user can enter: `$XDG_RUNTIME_DIR/scion`
(a per-login tmpfs on systemd machines), else `<tempdir>/scion-<uid>`. Both
are checked, never trusted: the folder must be a real directory (not a
symlink), owned by the user, with no access for group or others; otherwise
no warm process is used at all. Another local user who creates
`/tmp/scion-1000` first gets nothing but cold runs; a workspace has no say
in any of it.

One warm process per installation: the *identity* names the interpreter,
the Scion package folder and version, and the environment that changes
what a Python process imports or how it decodes text (PYTHON*, locale).
The socket's name carries a checksum of it; the warm process compares the
full identity on every request, so a checksum collision is a cold run,
never the wrong code.
"""

from __future__ import annotations

import _socket
import os
import stat
import struct
import sys
import zlib

import server

# Environment variables that change what a fresh Python imports or how it reads and writes text.
IDENTITY_ENV_PREFIXES = ("PYTHON",)
IDENTITY_ENV = ("LANG", "LC_ALL", "LC_CTYPE", "VIRTUAL_ENV")
PRIVATE = 0o077  # permission bits nobody but the owner may have on the folder


def identity(environ: dict[str, str] | os._Environ[str]) -> str:
    """The installation and start-up environment a warm process must share with its clients."""
    package = os.path.dirname(os.path.abspath(server.__file__))
    parts = [sys.executable, sys.prefix, package, server.__version__, sys.version]
    parts += sorted(
        f"{key}={value}"
        for key, value in environ.items()
        if key in IDENTITY_ENV or key.startswith(IDENTITY_ENV_PREFIXES)
    )
    return "\0".join(parts)


def runtime_folder(environ: dict[str, str] | os._Environ[str]) -> str:
    runtime = environ.get("XDG_RUNTIME_DIR", "")
    if runtime and os.path.isabs(runtime):
        return os.path.join(runtime, "scion")
    return os.path.join(_temp_root(environ), f"scion-{os.getuid()}")


def _temp_root(environ: dict[str, str] | os._Environ[str]) -> str:
    # tempfile.gettempdir()'s first choices, without importing tempfile (a few ms of the client's start).
    for name in ("TMPDIR", "TEMP", "TMP"):
        folder = environ.get(name, "")
        if os.path.isabs(folder) and os.path.isdir(folder):
            return folder
    return "/tmp"


def private_folder(folder: str, *, create: bool) -> bool:
    """True when `folder` is a directory of ours that nobody else can read or enter (made so if `create`)."""
    if create:
        try:
            os.mkdir(folder, 0o700)
        except FileExistsError:
            pass
        except OSError:
            return False
    try:
        info = os.lstat(folder)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & PRIVATE


def socket_path(folder: str, who: str) -> str:
    return os.path.join(folder, f"warm-{zlib.crc32(who.encode()):08x}.sock")


def peer_uid(sock: _socket.socket) -> int:
    """The user id of the process at the other end of a Unix socket."""
    if not hasattr(_socket, "SO_PEERCRED"):  # not Linux: the private folder is the only check
        return os.getuid()
    creds = sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_PEERCRED, struct.calcsize("3i"))
    return int(struct.unpack("3i", creds)[1])
