"""Django's RedisCache, with one redis.Redis client per connection pool.

Django's client builds a new redis.Redis object for every cache call, and redis-py fills a table
of some 170 response callbacks in each: a fifth of a page-cache hit. A redis.Redis object is
safe to share between threads (each command takes a connection from the pool), and the pool
itself reconnects after a fork, so one client per pool serves every call.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class PooledClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = PooledClient
