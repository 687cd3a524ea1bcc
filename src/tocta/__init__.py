"""tocta: transnational organized crime threat assessment."""

__version__ = "0.1.0"
