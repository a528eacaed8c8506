"""Make docs/img/explore.svg and explore-files.svg with the pilot (run from the repo root).

    .venv/bin/python docs/img/make_explore_screenshots.py
    rsvg-convert -w 1400 docs/img/explore.svg -o docs/img/explore.png   # and explore-files

explore.svg: the real Nix sample, inside the root. explore-files.svg: dive's test image,
layer #2's changes.
"""

from __future__ import annotations

import asyncio

from closurescope.analysis import analyze
from closurescope.loaders import load
from closurescope.tui import make_app


async def main():
    closure = load("sample-closures/nix/app-image-root-full.path-info-S.json")
    app = make_app(closure, analyze(closure))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("right")
        await pilot.pause()
        await pilot.press("down")
        await pilot.pause(0.5)
        app.save_screenshot("explore.svg", path="docs/img")


asyncio.run(main())


async def files():
    closure = load("/work/shared/corpus/dive/test-docker-image.tar")
    app = make_app(closure, analyze(closure))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        await pilot.click("#layers", offset=(3, 4))
        await pilot.pause(0.5)
        app.save_screenshot("explore-files.svg", path="docs/img")


asyncio.run(files())
