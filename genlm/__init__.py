# Not exported from a notebook: the package marker. The version lives in settings.ini.
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("genlm")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
