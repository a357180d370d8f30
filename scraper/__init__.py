"""scraper: a versioned archiver for Chinese government information-disclosure sites."""

__version__ = "0.1.0"
