"""Each page's callbacks, named like its layout. Importing this package registers them all."""
from callbacks import header, scorecard, measure, areas, board  # noqa: F401
