"""Django's RedisCache, with one redis.Redis client per connection pool.

Django's client builds a new redis.Redis object for every cache call, and redis-py fills a table
of some 170 response callbacks in each: a large part of a page-cache hit (figures in
docs/benchmarks.md, "Measurements behind the code"). A redis.Redis object is safe to share
between threads (each command takes a connection from the pool), and the pool itself
reconnects after a fork, so one client per pool serves every call.

It builds on Django's undocumented RedisCacheClient (its get_client(), _get_connection_pool()
and _client, and RedisCache._class): see articles/reader/fast/README.md and
tests/reader/test_private_apis.py. With READER_FAST_QUERIES off, every call gets a new client
from Django's own get_client().
"""

from django.conf import settings
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class PooledClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        if not settings.READER_FAST_QUERIES:
            return super().get_client(key, write=write)
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = PooledClient
