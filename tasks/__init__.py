"""Prefect tasks: thin wrappers over the pure functions in ``dateline`` that add retries and logging.

Every task works on a batch of files, never on one article: a task run costs ~12 ms of client and
~50 ms of server CPU here, more than parsing an article does.
"""
