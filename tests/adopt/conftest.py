import sys
from pathlib import Path

# adopt_original.py (the original's database, built and filled) is shared with tests/bench.
sys.path.insert(0, str(Path(__file__).parent))
