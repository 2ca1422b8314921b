"""Lesson 00 · Start here: the toy shop and one checkout both ways.

The lesson uses lesson 02's panel and the kit's shared figures; it has no
parts of its own.
"""
