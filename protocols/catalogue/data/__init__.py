"""Packaged data files of the waste catalogue (CSV). A package so that setuptools ships them."""
