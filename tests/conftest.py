import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# CI runs the same examples every time (a red CI blocks landing, so it must not
# depend on luck); a developer's run keeps exploring new random examples.
import atexit  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402

# The suite's scn processes keep their parse cache (files/parse_cache.py) in a
# directory of the suite's own, never in the user's.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="scn-test-cache-")
atexit.register(shutil.rmtree, os.environ["XDG_CACHE_HOME"], True)

from hypothesis import settings  # noqa: E402

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
