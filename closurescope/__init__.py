"""closurescope: why is my container image or Nix closure big, and how do I make it small."""

from __future__ import annotations

from closurescope._version import __version__

__all__ = ["__version__"]
