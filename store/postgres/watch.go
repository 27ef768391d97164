package postgres

// Change notifications across nodes. Every transaction that changes an
// asset's delivery state also runs pg_notify on channelName, once per key,
// so the notifications are delivered if and only if it commits, in commit
// order. Each Store that has watchers keeps one extra connection LISTENing
// on the channel and calls its watchers for the other nodes' changes; its
// own changes it reports directly after commit, as store/sqlite does, and
// recognises their echo by the origin in the payload.
//
// A listener that loses its connection reconnects with backoff; what was
// committed meanwhile is not replayed (PostgreSQL does not queue
// notifications for a session that is gone), so caches fed by watchers
// must still expire entries on their own (delivery's CacheTTL does).

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cumulusmedia/cumulus"
	"github.com/jackc/pgx/v5"
)

// channelName is the LISTEN/NOTIFY channel of asset changes.
const channelName = "cumulus_changes"

// Timing of the listener. Variables so tests can shorten them.
var (
	// readyWait bounds how long WatchChanges waits for the first LISTEN,
	// so a node starts serving only once it hears the others.
	readyWait = 5 * time.Second
	// echoWait bounds how long a write waits, after commit, for its own
	// notification to come back (see Store.changed).
	echoWait = 500 * time.Millisecond
	// idlePing is how often an idle listener checks its connection, which
	// could otherwise die silently (a dropped route sends no reset).
	idlePing = 30 * time.Second
	// Reconnection backoff, doubling from the first to the last.
	backoffMin, backoffMax = 100 * time.Millisecond, 10 * time.Second
)

// message is a notification's payload: the AssetKey's JSON (its Go field
// names), plus which Store sent it and that Store's number for the
// transaction.
type message struct {
	cumulus.AssetKey
	Origin string `json:"origin"`
	Seq    uint64 `json:"seq"`
	// N is the change's number in change_counter: global, strictly
	// increasing in commit order.
	N int64 `json:"n"`
}

// watch is a Store's change-notification state.
type watch struct {
	origin string // random, names this Store in the payloads it sends
	seq    atomic.Uint64

	mu       sync.Mutex
	watchers []func(cumulus.AssetKey)
	started  bool
	cancel   context.CancelFunc
	done     chan struct{} // closed when the listener goroutine ends
	ready    chan struct{} // closed at the listener's first LISTEN
	echoes   map[uint64]chan struct{}

	listening atomic.Bool // the listener's LISTEN is active now

	// applied is the highest change number whose notification the
	// watchers have been given (or that a full flush covered); applyCond
	// (on mu) wakes SyncChanges when it grows.
	applied   int64
	applyCond *sync.Cond
}

func (w *watch) init() {
	w.origin = randomHex()
	w.echoes = map[uint64]chan struct{}{}
	w.ready = make(chan struct{})
	w.applyCond = sync.NewCond(&w.mu)
}

// advance records that every change up to n has reached the watchers.
func (w *watch) advance(n int64) {
	w.mu.Lock()
	if n > w.applied {
		w.applied = n
		w.applyCond.Broadcast()
	}
	w.mu.Unlock()
}

// change is one write transaction's notifications.
type change struct {
	w    *watch
	seq  uint64
	echo chan struct{} // nil when no listener runs
}

// newChange numbers a write and, when a listener runs, registers for the
// echo of its notification before the transaction can commit. The caller
// must call release.
func (s *Store) newChange() *change {
	c := &change{w: &s.watch, seq: s.watch.seq.Add(1)}
	s.watch.mu.Lock()
	if s.watch.started {
		c.echo = make(chan struct{})
		s.watch.echoes[c.seq] = c.echo
	}
	s.watch.mu.Unlock()
	return c
}

// notify queues, in tx, one notification per key, numbered by the global
// change counter (whose row lock also orders the commits).
func (c *change) notify(ctx context.Context, tx pgx.Tx, keys ...cumulus.AssetKey) error {
	var n int64
	if err := tx.QueryRow(ctx, `UPDATE change_counter SET n = n + 1 WHERE id = 1 RETURNING n`).Scan(&n); err != nil {
		return err
	}
	payloads := make([]string, len(keys))
	for i, k := range keys {
		b, err := json.Marshal(message{AssetKey: k, Origin: c.w.origin, Seq: c.seq, N: n})
		if err != nil {
			return err
		}
		payloads[i] = string(b)
	}
	_, err := tx.Exec(ctx, `SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p`, channelName, payloads)
	return err
}

// release forgets the change's echo registration.
func (c *change) release() {
	if c.echo == nil {
		return
	}
	c.w.mu.Lock()
	delete(c.w.echoes, c.seq)
	c.w.mu.Unlock()
}

// changed reports committed changes to this Store's watchers, in order, as
// store/sqlite does. Then, when a listener runs, it waits (briefly) for the
// transaction's own notification to come back: PostgreSQL has then sent it
// to every listening node as well, so by the time the write is answered the
// other nodes' caches have, in all likelihood, already dropped the key.
func (s *Store) changed(c *change, keys ...cumulus.AssetKey) {
	defer c.release()
	s.watch.mu.Lock()
	ws := s.watch.watchers
	s.watch.mu.Unlock()
	for _, k := range keys {
		for _, fn := range ws {
			fn(k)
		}
	}
	if c.echo == nil || !s.watch.listening.Load() {
		return
	}
	t := time.NewTimer(echoWait)
	defer t.Stop()
	select {
	case <-c.echo:
	case <-t.C:
	}
}

// WatchChanges implements cumulus.ChangeWatcher: fn is called after every
// committed change to an asset's delivery state (new version, delete,
// rename, restore), by this Store or by any other node's Store on the same
// database. The first call starts the listener and waits up to a few
// seconds for it to be listening.
func (s *Store) WatchChanges(fn func(cumulus.AssetKey)) {
	s.watch.mu.Lock()
	s.watch.watchers = append(s.watch.watchers, fn)
	start := !s.watch.started
	if start {
		ctx, cancel := context.WithCancel(context.Background())
		s.watch.started, s.watch.cancel, s.watch.done = true, cancel, make(chan struct{})
		go s.listen(ctx)
	}
	s.watch.mu.Unlock()
	if start {
		select {
		case <-s.watch.ready:
		case <-time.After(readyWait):
			slog.Warn("postgres: change listener not listening yet; other nodes' changes reach this one once it is")
		}
	}
}

// stopListener ends the listener goroutine, if any, and waits for it.
func (s *Store) stopListener() {
	s.watch.mu.Lock()
	started, cancel, done := s.watch.started, s.watch.cancel, s.watch.done
	s.watch.mu.Unlock()
	if started {
		cancel()
		<-done
	}
}

// listen keeps one connection LISTENing until ctx ends, reconnecting with
// exponential backoff whenever the connection fails.
func (s *Store) listen(ctx context.Context) {
	defer close(s.watch.done)
	var once sync.Once
	backoff := backoffMin
	for attempt := 0; ; attempt++ {
		err := s.listenOnce(ctx, func() {
			once.Do(func() { close(s.watch.ready) })
			if attempt > 0 {
				slog.Info("postgres: change listener reconnected")
			}
			backoff = backoffMin
		})
		s.watch.listening.Store(false)
		if ctx.Err() != nil {
			return
		}
		slog.Warn("postgres: change listener lost its connection; changes made by other nodes meanwhile reach this node's caches only when their entries expire",
			"err", err, "retry_in", backoff)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return
		}
		backoff = min(backoff*2, backoffMax)
	}
}

// listenOnce connects, LISTENs, calls listening, and dispatches
// notifications until the connection fails or ctx ends.
func (s *Store) listenOnce(ctx context.Context, listening func()) error {
	cfg := s.pool.Config().ConnConfig.Copy()
	cfg.RuntimeParams["application_name"] = "cumulus-listener"
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := pgx.ConnectConfig(cctx, cfg)
	cancel()
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn.Close(cctx)
		cancel()
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+channelName); err != nil {
		return err
	}
	s.watch.listening.Store(true)
	s.flushAll(ctx)
	listening()
	for {
		wctx, cancel := context.WithTimeout(ctx, idlePing)
		n, err := conn.WaitForNotification(wctx)
		timedOut := wctx.Err() != nil && ctx.Err() == nil
		cancel()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case timedOut:
			// Idle: a timeout leaves the connection usable; prove it is.
			pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err = conn.Ping(pctx)
			cancel()
			if err != nil {
				return err
			}
			continue
		case err != nil:
			return err
		}
		s.dispatch(n.Payload)
	}
}

// dispatch handles one notification: the echo of this Store's own change
// releases the writer waiting for it; another node's change goes to the
// watchers.
func (s *Store) dispatch(payload string) {
	var m message
	if err := json.Unmarshal([]byte(payload), &m); err != nil {
		slog.Warn("postgres: ignoring a malformed change notification", "payload", payload, "err", err)
		return
	}
	s.watch.mu.Lock()
	if m.Origin == s.watch.origin {
		if ch, ok := s.watch.echoes[m.Seq]; ok {
			close(ch)
			delete(s.watch.echoes, m.Seq)
		}
		s.watch.mu.Unlock()
		s.watch.advance(m.N) // our own change: the watchers had it at commit
		return
	}
	ws := s.watch.watchers
	s.watch.mu.Unlock()
	for _, fn := range ws {
		fn(m.AssetKey)
	}
	s.watch.advance(m.N)
}

// flushAll tells the watchers to drop everything (the zero AssetKey) and
// marks every change committed so far as applied: used when the listener
// (re)connects, since notifications sent while it was away are lost.
func (s *Store) flushAll(ctx context.Context) {
	var n int64
	if err := s.pool.QueryRow(ctx, `SELECT n FROM change_counter WHERE id = 1`).Scan(&n); err != nil {
		slog.Warn("postgres: reading the change counter", "err", err)
		return
	}
	s.watch.mu.Lock()
	ws := s.watch.watchers
	s.watch.mu.Unlock()
	for _, fn := range ws {
		fn(cumulus.AssetKey{})
	}
	s.watch.advance(n)
}

// SyncTimeout bounds how long SyncChanges waits for the listener.
const SyncTimeout = 250 * time.Millisecond

// SyncChanges implements cumulus.ChangeSyncer: it reads the global change
// number and returns once this node's watchers have been given every
// change up to it — so a cache dropped by them cannot serve data older
// than what was committed before the call. Without a running listener it
// returns nil (nothing is cached on notifications then); when the listener
// lags more than SyncTimeout it fails, and the caller must bypass its
// caches for this request.
func (s *Store) SyncChanges(ctx context.Context) error {
	if !s.watch.listening.Load() {
		s.watch.mu.Lock()
		started := s.watch.started
		s.watch.mu.Unlock()
		if !started {
			return nil
		}
		return cumulus.Errorf(cumulus.Unavailable, "postgres.SyncChanges", "change listener not connected")
	}
	var target int64
	if err := s.pool.QueryRow(ctx, `SELECT n FROM change_counter WHERE id = 1`).Scan(&target); err != nil {
		return cumulus.Wrap("postgres.SyncChanges", err)
	}
	deadline := time.Now().Add(SyncTimeout)
	timer := time.AfterFunc(SyncTimeout, func() {
		s.watch.mu.Lock()
		s.watch.applyCond.Broadcast()
		s.watch.mu.Unlock()
	})
	defer timer.Stop()
	s.watch.mu.Lock()
	defer s.watch.mu.Unlock()
	for s.watch.applied < target {
		if time.Now().After(deadline) {
			return cumulus.Errorf(cumulus.Unavailable, "postgres.SyncChanges", "change listener behind: applied %d of %d", s.watch.applied, target)
		}
		s.watch.applyCond.Wait()
	}
	return nil
}
