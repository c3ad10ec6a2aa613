import sys
from pathlib import Path

# wow_sim (the addon harness) is shared with the companion tests.
sys.path.insert(0, str(Path(__file__).parent))
