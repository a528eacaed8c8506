"""``nix:/nix/store/…-foo``: ask the installed ``nix`` for the closure of a store path.

Runs ``nix --extra-experimental-features nix-command path-info --json -r -S PATH`` and parses
its output with ``nix_path_info.parse_path_info`` (whatever shape that Nix version prints).
The root of the closure is the given path.
"""

from __future__ import annotations

import shutil
import subprocess

from closurescope.errors import LoadError
from closurescope.loaders._nix import is_store_path, one_line
from closurescope.loaders.base import InputSource, LoadOptions
from closurescope.loaders.nix_path_info import closure_from_dump, parse_path_info
from closurescope.model import Closure

NIX_MISSING = "nix is not installed (apt-get install nix-bin)"


def path_info_command(nix: str, installable: str) -> list[str]:
    """The command line run for ``installable``."""
    return [
        nix,
        "--extra-experimental-features",
        "nix-command",
        "path-info",
        "--json",
        "--recursive",
        "--closure-size",
        installable,
    ]


def _first_error_line(stderr: str) -> str:
    lines = [one_line(line) for line in stderr.splitlines()]
    lines = [line for line in lines if line]
    for line in lines:
        if line.startswith("error:"):
            return line
    return lines[0] if lines else "no message"


class NixLiveLoader:
    """The closure of a store path, as the installed ``nix path-info`` reports it."""

    name = "nix"
    description = "nix:/nix/store/…-foo runs nix path-info --json -r -S on a store path"
    virtual = True
    autodetect = False

    def sniff(self, source: InputSource) -> bool:
        """Never detected: used only as ``nix:PATH``."""
        return False

    def load(self, source: InputSource, options: LoadOptions) -> Closure:
        """Run nix, parse its JSON; LoadError when nix is missing or fails."""
        installable = source.display
        if not installable:
            raise LoadError("nix:", "no store path given (write nix:/nix/store/…-name)")
        nix = shutil.which("nix")
        if nix is None:
            raise LoadError(installable, NIX_MISSING)
        try:
            proc = subprocess.run(
                path_info_command(nix, installable),
                capture_output=True,
                check=False,
                stdin=subprocess.DEVNULL,
            )
        except OSError as exc:
            raise LoadError(installable, f"cannot run nix: {exc.strerror or exc}") from None
        stderr = proc.stderr.decode("utf-8", "replace")
        if proc.returncode != 0:
            raise LoadError(
                installable,
                f"nix path-info failed (exit {proc.returncode}): {_first_error_line(stderr)}",
            )
        dump = parse_path_info(proc.stdout, installable)
        if dump.invalid and not any(r.path == installable.rstrip("/") for r in dump.records):
            raise LoadError(installable, f"not valid in the store: {_first_error_line(stderr)}")
        root = installable.rstrip("/")
        roots = (root,) if is_store_path(root) else options.roots
        return closure_from_dump(dump, installable, fmt=self.name, roots=roots)


LOADER = NixLiveLoader()
