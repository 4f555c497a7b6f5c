"""aidtracker: aid-to-Ukraine announcements from official releases into a dataset and a dashboard."""

__version__ = "0.1.0"
