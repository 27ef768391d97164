// Package notify carries out the Upload API's background work: it signs
// and delivers notification webhooks (spec §C.4) and runs the durable job
// queue that webhooks and eager_async renditions wait in.
package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/fetch"
	"github.com/cumulusmedia/cumulus/signing"
)

// KindWebhook is the job kind of a notification to deliver.
const KindWebhook = "webhook"

// Sign returns Cloudinary's notification signature: the lower-case hex
// SHA-1 of the body, the decimal timestamp and the API secret, in that
// order.
func Sign(body []byte, timestamp int64, secret string) string {
	return signing.NotificationSignature(body, timestamp, secret, "sha1")
}

// Webhook is the payload of a webhook job: where to POST which body, on
// behalf of which environment (whose secret signs it at delivery time, so
// a retry hours later still carries a fresh timestamp).
type Webhook struct {
	URL   string          `json:"url"`
	Cloud string          `json:"cloud"`
	Body  json.RawMessage `json:"body"`
}

// Enqueue records a webhook of body (marshalled to JSON) to url in q.
func Enqueue(ctx context.Context, q cumulus.JobQueue, cloud, url string, body any, now time.Time) error {
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	payload, err := json.Marshal(Webhook{URL: url, Cloud: cloud, Body: b})
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	_, err = q.EnqueueJob(ctx, KindWebhook, payload, now)
	return err
}

// Environments finds an environment's secret; cumulus.AssetStore is one.
type Environments interface {
	Environment(ctx context.Context, cloud string) (cumulus.Environment, error)
}

// Sender delivers webhook jobs through an SSRF-safe client.
type Sender struct {
	envs   Environments
	client *fetch.Client
	now    func() time.Time
}

// NewSender returns a Sender; now may be nil for time.Now.
func NewSender(envs Environments, client *fetch.Client, now func() time.Time) *Sender {
	if now == nil {
		now = time.Now
	}
	return &Sender{envs: envs, client: client, now: now}
}

// Handle delivers one webhook job: a POST of the body with
// Content-Type application/json, X-Cld-Timestamp and X-Cld-Signature.
// Any 2xx is success. A URL the fetcher refuses, or an environment that no
// longer exists, fails permanently; anything else is retried.
func (s *Sender) Handle(ctx context.Context, job cumulus.Job) error {
	var wh Webhook
	if err := json.Unmarshal(job.Payload, &wh); err != nil {
		return Permanent(fmt.Errorf("notify: bad webhook payload: %w", err))
	}
	env, err := s.envs.Environment(ctx, wh.Cloud)
	if cumulus.IsNotFound(err) {
		return Permanent(fmt.Errorf("notify: environment %s is gone", wh.Cloud))
	}
	if err != nil {
		return err
	}
	ts := s.now().Unix()
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-Cld-Timestamp", strconv.FormatInt(ts, 10))
	h.Set("X-Cld-Signature", Sign(wh.Body, ts, env.APISecret))
	code, err := s.client.Post(ctx, wh.URL, h, wh.Body)
	if errors.Is(err, fetch.ErrBlocked) || errors.Is(err, fetch.ErrScheme) {
		return Permanent(fmt.Errorf("notify: %s: %w", wh.URL, err))
	}
	if err != nil {
		return fmt.Errorf("notify: %s: %w", wh.URL, err)
	}
	if code/100 != 2 {
		return fmt.Errorf("notify: %s answered %d", wh.URL, code)
	}
	return nil
}

// permanentError marks a failure that retrying cannot fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent wraps err so that the worker drops the job instead of
// retrying it.
func Permanent(err error) error { return permanentError{err} }

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}
