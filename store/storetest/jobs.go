package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/cumulusmedia/cumulus"
)

// runJobs checks the JobQueue's lease protocol: due jobs are claimed once
// while leased, a released or expired lease makes them claimable again,
// and only the owner may ack or retry.
func runJobs(t *testing.T, newStore func(t *testing.T) cumulus.AssetStore) {
	ctx := context.Background()
	t0 := time.Now().Truncate(time.Millisecond)

	t.Run("ClaimAckRoundTrip", func(t *testing.T) {
		s := newStore(t)
		id1, err := s.EnqueueJob(ctx, "eager", []byte(`{"a":1}`), t0)
		if err != nil {
			t.Fatal(err)
		}
		id2, _ := s.EnqueueJob(ctx, "webhook", []byte(`{"b":2}`), t0.Add(time.Millisecond))
		if id2 <= id1 {
			t.Fatalf("ids %d then %d, want increasing", id1, id2)
		}
		pending, err := s.PendingJobs(ctx)
		if err != nil || pending["eager"] != 1 || pending["webhook"] != 1 {
			t.Fatalf("PendingJobs = %v, %v; want one of each", pending, err)
		}
		jobs, err := s.ClaimJobs(ctx, "w1", 10, t0.Add(time.Second), time.Minute)
		if err != nil || len(jobs) != 2 {
			t.Fatalf("ClaimJobs = %d jobs, %v; want 2", len(jobs), err)
		}
		if jobs[0].ID != id1 || jobs[0].Kind != "eager" || string(jobs[0].Payload) != `{"a":1}` || jobs[0].Attempts != 1 || !jobs[0].CreatedAt.Equal(t0) {
			t.Fatalf("first job = %+v", jobs[0])
		}
		if again, _ := s.ClaimJobs(ctx, "w2", 10, t0.Add(2*time.Second), time.Minute); len(again) != 0 {
			t.Fatalf("leased jobs claimed again by another owner: %+v", again)
		}
		if err := s.AckJob(ctx, "w2", id1); err != nil {
			t.Fatal(err)
		}
		if p, _ := s.PendingJobs(ctx); p["eager"] != 1 {
			t.Fatalf("ack by a non-owner removed the job: %v", p)
		}
		s.AckJob(ctx, "w1", id1)
		s.AckJob(ctx, "w1", id2)
		if p, _ := s.PendingJobs(ctx); len(p) != 0 {
			t.Fatalf("after acks PendingJobs = %v, want none", p)
		}
	})

	t.Run("NotDueNotClaimed", func(t *testing.T) {
		s := newStore(t)
		s.EnqueueJob(ctx, "eager", []byte("{}"), t0.Add(time.Hour))
		if jobs, _ := s.ClaimJobs(ctx, "w1", 10, t0, time.Minute); len(jobs) != 0 {
			t.Fatalf("a job due in an hour was claimed now: %+v", jobs)
		}
	})

	t.Run("RetryAndExpiredLease", func(t *testing.T) {
		s := newStore(t)
		id, _ := s.EnqueueJob(ctx, "webhook", []byte("{}"), t0)
		jobs, _ := s.ClaimJobs(ctx, "w1", 1, t0, time.Minute)
		if len(jobs) != 1 {
			t.Fatal("not claimed")
		}
		if err := s.RetryJob(ctx, "w2", id, "not mine", t0); err != nil {
			t.Fatal(err)
		}
		if again, _ := s.ClaimJobs(ctx, "w2", 1, t0.Add(time.Second), time.Minute); len(again) != 0 {
			t.Fatal("a retry by a non-owner released the lease")
		}
		if err := s.RetryJob(ctx, "w1", id, "HTTP 500", t0.Add(10*time.Second)); err != nil {
			t.Fatal(err)
		}
		if early, _ := s.ClaimJobs(ctx, "w2", 1, t0.Add(5*time.Second), time.Minute); len(early) != 0 {
			t.Fatal("claimed before its retry time")
		}
		jobs, _ = s.ClaimJobs(ctx, "w2", 1, t0.Add(10*time.Second), time.Second)
		if len(jobs) != 1 || jobs[0].Attempts != 2 || jobs[0].LastError != "HTTP 500" {
			t.Fatalf("retried job = %+v, want attempt 2 with the reason", jobs)
		}
		// w2 dies holding it: its lease expires and w3 takes over.
		jobs, _ = s.ClaimJobs(ctx, "w3", 1, t0.Add(12*time.Second), time.Minute)
		if len(jobs) != 1 || jobs[0].Attempts != 3 {
			t.Fatalf("expired lease: claimed %+v, want the job at attempt 3", jobs)
		}
	})

	t.Run("ConcurrentClaimsNeverShare", func(t *testing.T) {
		s := newStore(t)
		for i := 0; i < 40; i++ {
			s.EnqueueJob(ctx, "eager", []byte("{}"), t0)
		}
		var mu sync.Mutex
		seen := map[int64]string{}
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			owner := string(rune('a' + w))
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 10; i++ {
					jobs, err := s.ClaimJobs(ctx, owner, 3, t0.Add(time.Second), time.Minute)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					for _, j := range jobs {
						if prev, ok := seen[j.ID]; ok {
							t.Errorf("job %d claimed by %s and %s", j.ID, prev, owner)
						}
						seen[j.ID] = owner
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(seen) != 40 {
			t.Fatalf("%d jobs claimed, want 40", len(seen))
		}
	})
}
