"""Tests of the tiktok_live Home Assistant integration."""
