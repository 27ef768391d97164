package postgres_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/store/postgres"
)

// queue is what TestClaimsAcrossNodes needs of the outbox or the job
// queue: enqueue the i-th task, claim (returning IDs and a name per task)
// and acknowledge.
type queue struct {
	name    string
	enqueue func(s *postgres.Store, i int, now time.Time) error
	claim   func(s *postgres.Store, owner string, max int, now time.Time) (ids []int64, names []string, err error)
	ack     func(s *postgres.Store, owner string, id int64) error
	pending func(s *postgres.Store) (int64, error)
}

var queues = []queue{
	{
		name: "Outbox",
		enqueue: func(s *postgres.Store, i int, now time.Time) error {
			return s.EnqueuePurge(context.Background(), []string{fmt.Sprintf("demo/%d", i)}, now)
		},
		claim: func(s *postgres.Store, owner string, max int, now time.Time) ([]int64, []string, error) {
			tasks, err := s.ClaimPurges(context.Background(), owner, max, now, time.Minute)
			var ids []int64
			var names []string
			for _, task := range tasks {
				ids, names = append(ids, task.ID), append(names, strings.Join(task.Keys, " "))
			}
			return ids, names, err
		},
		ack: func(s *postgres.Store, owner string, id int64) error {
			return s.AckPurge(context.Background(), owner, id)
		},
		pending: func(s *postgres.Store) (int64, error) {
			st, err := s.OutboxStats(context.Background())
			return int64(st.Pending), err
		},
	},
	{
		name: "JobQueue",
		enqueue: func(s *postgres.Store, i int, now time.Time) error {
			_, err := s.EnqueueJob(context.Background(), "eager", []byte(fmt.Sprintf(`{"n":%d}`, i)), now)
			return err
		},
		claim: func(s *postgres.Store, owner string, max int, now time.Time) ([]int64, []string, error) {
			jobs, err := s.ClaimJobs(context.Background(), owner, max, now, time.Minute)
			var ids []int64
			var names []string
			for _, j := range jobs {
				ids, names = append(ids, j.ID), append(names, string(j.Payload))
			}
			return ids, names, err
		},
		ack: func(s *postgres.Store, owner string, id int64) error {
			return s.AckJob(context.Background(), owner, id)
		},
		pending: func(s *postgres.Store) (int64, error) {
			p, err := s.PendingJobs(context.Background())
			return p["eager"], err
		},
	},
}

// Workers on several nodes claiming from one outbox or job queue at once:
// every task is claimed by exactly one of them, none waits for another's
// locks, and together they empty the queue.
func TestClaimsAcrossNodes(t *testing.T) {
	for _, q := range queues {
		t.Run(q.name, func(t *testing.T) {
			first, dsn := withDemo(t)
			const tasks, nodes, batch = 60, 4, 3
			now := time.Now()
			for i := range tasks {
				if err := q.enqueue(first, i, now); err != nil {
					t.Fatal(err)
				}
			}
			stores := []*postgres.Store{first}
			for len(stores) < nodes {
				stores = append(stores, open(t, dsn))
			}
			claimed := make([][]string, nodes)
			errs := make([]error, nodes)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for n, s := range stores {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					owner := fmt.Sprintf("node-%d", n)
					for {
						ids, names, err := q.claim(s, owner, batch, now)
						if err != nil {
							errs[n] = err
							return
						}
						if len(ids) == 0 {
							return
						}
						if len(ids) > batch {
							errs[n] = fmt.Errorf("claimed %d tasks, more than the %d asked for", len(ids), batch)
							return
						}
						claimed[n] = append(claimed[n], names...)
						for _, id := range ids {
							if err := q.ack(s, owner, id); err != nil {
								errs[n] = err
								return
							}
						}
					}
				}()
			}
			close(start)
			wg.Wait()
			seen := map[string]string{}
			for n, names := range claimed {
				if errs[n] != nil {
					t.Fatalf("node-%d: %v", n, errs[n])
				}
				for _, k := range names {
					if other, dup := seen[k]; dup {
						t.Fatalf("%s claimed by node-%d and %s", k, n, other)
					}
					seen[k] = fmt.Sprintf("node-%d", n)
				}
			}
			if len(seen) != tasks {
				t.Fatalf("%d distinct tasks claimed, want %d", len(seen), tasks)
			}
			if p, err := q.pending(first); err != nil || p != 0 {
				t.Fatalf("%d pending after every node finished (%v); want none", p, err)
			}
		})
	}
}

// The Admin API's deletes and restores always purge, in the transaction
// that makes the change, as store/sqlite's do; a role with only data
// privileges can write purges (the id is an identity column, so it needs
// no sequence privilege).
func TestAdminChangesPurge(t *testing.T) {
	ctx := context.Background()
	drain := func(t *testing.T, s *postgres.Store) []string {
		t.Helper()
		tasks, err := s.ClaimPurges(ctx, "drain", 100, time.Now().Add(time.Hour), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, task := range tasks {
			keys = append(keys, strings.Join(task.Keys, " "))
			s.AckPurge(ctx, "drain", task.ID)
		}
		sort.Strings(keys)
		return keys
	}
	cases := []struct {
		name   string
		change func(s *postgres.Store, a, b cumulus.Asset) error
		want   func(a, b cumulus.Asset) []string
	}{
		{"DeleteAssets", func(s *postgres.Store, a, b cumulus.Asset) error {
			got, err := s.DeleteAssets(ctx, "demo", []string{a.ID, b.ID, "missing"})
			if err == nil && len(got) != 2 {
				err = fmt.Errorf("deleted %d assets, want 2", len(got))
			}
			return err
		}, func(a, b cumulus.Asset) []string {
			keys := []string{cumulus.SurrogateKey("demo", a.ID), cumulus.SurrogateKey("demo", b.ID)}
			sort.Strings(keys)
			return keys
		}},
		{"DeleteAssetsOfAnotherCloud", func(s *postgres.Store, a, b cumulus.Asset) error {
			got, err := s.DeleteAssets(ctx, "other", []string{a.ID})
			if err == nil && len(got) != 0 {
				err = fmt.Errorf("deleted %d assets of demo through another cloud", len(got))
			}
			return err
		}, func(a, b cumulus.Asset) []string { return nil }},
		{"RestoreVersion", func(s *postgres.Store, a, b cumulus.Asset) error {
			vs, err := s.Versions(ctx, key("a"))
			if err != nil {
				return err
			}
			_, err = s.RestoreVersion(ctx, key("a"), vs[0].VersionID, t0)
			return err
		}, func(a, b cumulus.Asset) []string { return []string{cumulus.SurrogateKey("demo", a.ID)} }},
		{"RestoreMissingVersion", func(s *postgres.Store, a, b cumulus.Asset) error {
			if _, err := s.RestoreVersion(ctx, key("a"), "nope", t0); !cumulus.IsNotFound(err) {
				return fmt.Errorf("restore of a missing version: %v, want NotFound", err)
			}
			return nil
		}, func(a, b cumulus.Asset) []string { return nil }},
		{"DeleteAssetWithInvalidateAsDataOnlyRole", func(s *postgres.Store, a, b cumulus.Asset) error {
			_, err := s.DeleteAsset(ctx, key("b"), true)
			return err
		}, func(a, b cumulus.Asset) []string { return []string{cumulus.SurrogateKey("demo", b.ID)} }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, _ := withDemo(t)
			var assets []cumulus.Asset
			for _, id := range []string{"a", "b"} {
				for _, blob := range []string{id + "1", id + "2"} {
					res, err := s.AddVersion(ctx, upload(id, blob))
					if err != nil {
						t.Fatal(err)
					}
					if blob == id+"2" {
						assets = append(assets, res.Asset)
					}
				}
			}
			if got := drain(t, s); got != nil {
				t.Fatalf("uploads without invalidate wrote purges %v", got)
			}
			actor := s
			if strings.Contains(c.name, "DataOnlyRole") {
				actor = dataOnly(t, s)
			}
			if err := c.change(actor, assets[0], assets[1]); err != nil {
				t.Fatal(err)
			}
			if got, want := drain(t, s), c.want(assets[0], assets[1]); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("purges %v, want %v", got, want)
			}
		})
	}
}

// A failure's reason is stored even when it is not valid UTF-8 or holds
// NUL bytes (PostgreSQL's text refuses both) and is cut to 1000 bytes.
func TestRetryPurgeKeepsAnyReason(t *testing.T) {
	ctx := context.Background()
	s, _ := withDemo(t)
	now := time.Now()
	if err := s.EnqueuePurge(ctx, []string{"demo/x"}, now); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, reason string }{
		{"InvalidUTF8", "bad \xff\xfe body"},
		{"NUL", "a\x00b"},
		{"Long", strings.Repeat("é", 600)},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := s.ClaimPurges(ctx, "w", 1, now, time.Second)
			if err != nil || len(got) != 1 {
				t.Fatalf("claim = %v, %v", got, err)
			}
			if err := s.RetryPurge(ctx, "w", got[0].ID, nil, c.reason, now); err != nil {
				t.Fatalf("RetryPurge: %v", err)
			}
			again, err := s.ClaimPurges(ctx, "w", 1, now, time.Second)
			if err != nil || len(again) != 1 {
				t.Fatalf("claim after retry = %v, %v", again, err)
			}
			r := again[0].LastError
			if r == "" || len(r) > 1000 || strings.ContainsRune(r, 0) || !utf8.ValidString(r) || !strings.HasPrefix(c.reason, r[:1]) {
				t.Fatalf("stored reason %q (%d bytes) for %q", r, len(r), c.reason)
			}
			// Released for the next case.
			if err := s.RetryPurge(ctx, "w", again[0].ID, nil, "", now); err != nil {
				t.Fatal(err)
			}
		})
	}
}
