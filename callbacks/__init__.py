"""Each page's callbacks, named like its layout. Importing this package registers them all."""
from callbacks import areas, board, data, header, measure, scorecard  # noqa: F401
