package delivery

import (
	"context"
	"sync"
	"time"

	"github.com/cumulusmedia/cumulus"
)

// assetCache keeps asset lookups (including "not found") in memory so the
// hot path does not query the store. Entries are dropped when the store
// reports a change to the key, and expire after ttl as a safety net for
// changes that reach no watcher. The map is bounded: when full it is
// cleared, which costs a round of misses and never unbounded memory.
type assetCache struct {
	ttl time.Duration
	max int
	mu  sync.RWMutex
	m   map[cumulus.AssetKey]cacheEntry
}

type cacheEntry struct {
	asset    cumulus.Asset
	versions []cumulus.Version // nil until a historic version was asked for
	err      error             // a NotFound answer
	at       time.Time
}

func newAssetCache(ttl time.Duration, max int) *assetCache {
	return &assetCache{ttl: ttl, max: max, m: map[cumulus.AssetKey]cacheEntry{}}
}

func (c *assetCache) get(ctx context.Context, k cumulus.AssetKey) (cacheEntry, bool) {
	if c.ttl <= 0 || bypassed(ctx) {
		return cacheEntry{}, false
	}
	c.mu.RLock()
	e, ok := c.m[k]
	c.mu.RUnlock()
	if !ok || time.Since(e.at) > c.ttl {
		return cacheEntry{}, false
	}
	return e, true
}

func (c *assetCache) put(k cumulus.AssetKey, e cacheEntry) {
	if c.ttl <= 0 {
		return
	}
	e.at = time.Now()
	c.mu.Lock()
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[k] = e
	c.mu.Unlock()
}

// drop forgets k; the zero key (a store that may have missed changes)
// forgets everything.
func (c *assetCache) drop(k cumulus.AssetKey) {
	c.mu.Lock()
	if k == (cumulus.AssetKey{}) {
		clear(c.m)
	} else {
		delete(c.m, k)
	}
	c.mu.Unlock()
}

type bypassKey struct{}

// WithoutCache marks ctx so that Deliver reads the store instead of its
// in-memory cache (the caller could not make sure the cache is current).
func WithoutCache(ctx context.Context) context.Context {
	return context.WithValue(ctx, bypassKey{}, true)
}

func bypassed(ctx context.Context) bool { return ctx.Value(bypassKey{}) != nil }
