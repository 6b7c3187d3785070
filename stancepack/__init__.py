"""stancepack: news articles to a validated, shareable stance dataset."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("stancepack")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
