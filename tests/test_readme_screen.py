"""The README's picture of the terminal UI is a real screen, line for line.

The README shows an excerpt of a 200-column terminal after one edit (Google's
ASIC ramp set to reach 80% in 2030, the bull case's), with the cursor on
optics_tam 2030. This test
makes that edit in the app as users run it (file watcher on, the engine's own
sensitivities), renders the whole screen, and requires the excerpt to be a
run of its lines, each exactly (trailing blanks aside). Only the
recalculation time varies.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from test_tui_app import edit, go_to, settle, sync
from tui.app import ScnApp

ROOT = Path(__file__).resolve().parent.parent
TIMING = re.compile(r"\d+ ms")


def readme_excerpt() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("after setting Google's ASIC ramp to reach 80% in 2030")
    block = text[text.index("```\n", start) + 4:]
    return block[:block.index("```")].splitlines()


@sync
async def test_the_readme_screen_excerpt_is_what_the_app_shows(tmp_path, monkeypatch):
    (tmp_path / "scenarios").mkdir()
    shutil.copy(ROOT / "scenarios" / "ai_capex.scn", tmp_path / "scenarios")
    monkeypatch.chdir(tmp_path)  # the app names the file as the reader typed it
    app = ScnApp("scenarios/ai_capex.scn", blink=False, sens_delay=0.01)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        await go_to(pilot, "asic_share[goog]", 2030)
        await edit(pilot, "enter", "interp({2024: 25%, 2030: 80%})")
        await go_to(pilot, "optics_tam", 2030)
        await pilot.press("t")  # the tornado beside the inspector
        await settle(pilot)
        # the tabs' underline slides to `tornado`: the excerpt shows where it stops (the
        # workers can be done before it is, under load)
        await pilot.wait_for_scheduled_animations()
        screen = [TIMING.sub("N ms", s.text.rstrip())
                  for s in app.screen._compositor.render_strips()]
    shown = [TIMING.sub("N ms", line.rstrip()) for line in readme_excerpt()]
    assert len(shown) > 20
    # the excerpt is a run of consecutive screen lines
    runs = [i for i in range(len(screen) - len(shown) + 1)
            if all(screen[i + k] == line for k, line in enumerate(shown))]
    assert runs, "\n".join(["the README's excerpt is not on the screen; the screen:", *screen])
