"""``python -m scraper.replica``: serve the replica (see :func:`scraper.replica.site.main`)."""

from scraper.replica.site import main

main()
