"""infocheck: a conformance suite for the Azure AI Model Inference Get Info API."""

__version__ = "1.0.0"
