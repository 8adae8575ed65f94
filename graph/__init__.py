"""cisfilm: a knowledge graph of the CIS film co-production ecosystem."""
__version__ = "0.1.0"
