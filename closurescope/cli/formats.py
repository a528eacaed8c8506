"""``closurescope formats``."""

from __future__ import annotations

import argparse


class FormatsCommand:
    """List the input formats closurescope understands, one line each.

    Any of them can be forced with a FORMAT:PATH prefix, e.g. nix-dot:graph.txt.
    """

    name = "formats"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """No options."""

    def run(self, args: argparse.Namespace) -> int:
        """Print the loader registry."""
        from closurescope.loaders import registry

        width = max((len(loader.name) for loader in registry.LOADERS), default=0)
        for loader in registry.LOADERS:
            print(f"{loader.name:<{width}}  {loader.description}")
        return 0
