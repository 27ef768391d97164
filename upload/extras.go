package upload

import (
	"context"
	"errors"
	"strings"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/fetch"
	"github.com/cumulusmedia/cumulus/notify"
)

// UploadNotification is the body of the webhook sent to notification_url
// after an upload or explicit call: the response, plus its type.
type UploadNotification struct {
	NotificationType string `json:"notification_type"`
	*Result
}

// fetchRemote downloads the file parameter of a remote upload into a
// spool, through the SSRF-safe client. The spool's file name is the last
// segment of the URL's path, so original_filename is what a file upload
// of the same name would give.
func (s *Service) fetchRemote(ctx context.Context, rawURL string) (*Spool, error) {
	const op = "upload"
	lower := strings.ToLower(rawURL)
	if s.Fetch == nil || !(strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://")) {
		return nil, cumulus.Errorf(cumulus.Invalid, op, "Remote file URLs are not supported - %s", truncate(rawURL, 80))
	}
	body, _, _, err := s.Fetch.Get(ctx, rawURL)
	if err != nil {
		return nil, cumulus.Errorf(cumulus.Invalid, op, "Error in loading %s - %s", truncate(rawURL, 200), fetchReason(err))
	}
	defer body.Close()
	sp, err := NewSpool(s.cfg.TempDir, s.cfg.MaxBodyBytes())
	if err != nil {
		return nil, err
	}
	if _, err := sp.ReadFrom(body); err != nil {
		sp.Close()
		if cumulus.KindOf(err) == cumulus.Invalid {
			return nil, err
		}
		return nil, cumulus.Errorf(cumulus.Invalid, op, "Error in loading %s - %s", truncate(rawURL, 200), fetchReason(err))
	}
	sp.Filename = fetch.FileName(rawURL)
	return sp, nil
}

// fetchReason is the client-facing part of a fetch failure: what went
// wrong, never which internal address was refused.
func fetchReason(err error) string {
	var se *fetch.StatusError
	switch {
	case errors.As(err, &se):
		return se.Status
	case errors.Is(err, fetch.ErrBlocked):
		return "the address is not allowed"
	case errors.Is(err, fetch.ErrScheme):
		return "only http and https URLs are supported"
	case errors.Is(err, fetch.ErrTooLarge):
		return "file size too large"
	case errors.Is(err, fetch.ErrRedirects):
		return "too many redirects"
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	}
	return "connection failed"
}

// extras are the post-commit parameters shared by upload and explicit.
type extras struct {
	eager       []EagerItem
	eagerAsync  bool
	notifyURL   string // notification_url
	eagerNotify string // eager_notification_url, else notification_url
}

// parseExtras reads and checks eager, eager_async and the notification
// URLs before anything is committed.
func parseExtras(p Params) (extras, error) {
	var x extras
	var err error
	if x.eager, err = ParseEager(p.Get("eager")); err != nil {
		return x, err
	}
	if x.eagerAsync, err = p.Bool("eager_async", false); err != nil {
		return x, err
	}
	x.notifyURL = p.Get("notification_url")
	x.eagerNotify = p.Get("eager_notification_url")
	if x.eagerNotify == "" {
		x.eagerNotify = x.notifyURL
	}
	// In a fixed order: eager_notification_url defaults to notification_url,
	// and a bad URL must be reported under the name the client sent.
	for _, c := range [...]struct{ name, url string }{{"notification_url", x.notifyURL}, {"eager_notification_url", x.eagerNotify}} {
		if l := strings.ToLower(c.url); c.url != "" && !strings.HasPrefix(l, "http://") && !strings.HasPrefix(l, "https://") {
			return x, cumulus.Errorf(cumulus.Invalid, "upload", "Invalid %s - %s", c.name, truncate(c.url, 80))
		}
	}
	return x, nil
}

// finish renders or queues the eager transformations of a committed
// asset and queues the notification.
func (s *Service) finish(ctx context.Context, env cumulus.Environment, a cumulus.Asset, r *Result, x extras) error {
	if len(x.eager) > 0 {
		var err error
		if x.eagerAsync {
			r.Eager, err = s.enqueueEager(ctx, a, x.eager, x.eagerNotify)
		} else {
			r.Eager, err = s.renderEager(ctx, env, a, x.eager)
		}
		if err != nil {
			return err
		}
	}
	if x.notifyURL != "" {
		if err := notify.Enqueue(ctx, s.store, env.Cloud, x.notifyURL, UploadNotification{NotificationType: "upload", Result: r}, s.now()); err != nil {
			return cumulus.Wrap("upload.notify", err)
		}
		s.wake()
	}
	return nil
}

// Explicit applies upload parameters to an existing asset: tags and
// context (replacing them when sent), eager transformations (synchronous
// or eager_async), invalidate, and notification_url. It answers like an
// upload.
func (s *Service) Explicit(ctx context.Context, env cumulus.Environment, rt cumulus.ResourceType, p Params) (*Result, error) {
	const op = "explicit"
	if err := s.Authenticate(env, p); err != nil {
		return nil, err
	}
	id := p.Get("public_id")
	if id == "" {
		return nil, cumulus.Errorf(cumulus.Invalid, op, "Missing required parameter - public_id")
	}
	if explicit := cumulus.ResourceType(p.Get("resource_type")); rt == cumulus.Auto && explicit != "" {
		rt = explicit
	}
	key, err := assetKey(env, rt, p.Get("type"), id)
	if err != nil {
		return nil, err
	}
	x, err := parseExtras(p)
	if err != nil {
		return nil, err
	}
	invalidate, err := p.Bool("invalidate", false)
	if err != nil {
		return nil, err
	}
	a, err := s.store.Asset(ctx, key)
	if cumulus.IsNotFound(err) {
		return nil, cumulus.Errorf(cumulus.NotFound, op, "Resource not found - %s", id)
	}
	if err != nil {
		return nil, cumulus.Wrap(op, err)
	}
	var u cumulus.AssetUpdate
	if p.Has("tags") {
		u.Tags = p.Tags()
	}
	if p.Has("context") {
		u.Context = ParseContext(p.Get("context"))
	}
	if u.Tags != nil || u.Context != nil {
		la, err := s.store.UpdateAsset(ctx, key, u, s.now())
		if err != nil {
			return nil, cumulus.Wrap(op, err)
		}
		a = la.Asset
	}
	if invalidate {
		if err := s.store.EnqueuePurge(ctx, []string{cumulus.SurrogateKey(env.Cloud, a.ID)}, s.now()); err != nil {
			return nil, cumulus.Wrap(op, err)
		}
		if s.Changed != nil {
			s.Changed(key, true)
		}
	}
	r := s.result(env, a)
	if err := s.finish(ctx, env, a, r, x); err != nil {
		return nil, err
	}
	return r, nil
}

// Context runs the context endpoint: command add merges the given
// key-value pairs into each asset's context, remove_all clears it. It
// returns the public IDs that exist.
func (s *Service) Context(ctx context.Context, env cumulus.Environment, rt cumulus.ResourceType, p Params) (map[string][]string, error) {
	const op = "context"
	if err := s.Authenticate(env, p); err != nil {
		return nil, err
	}
	cmd := p.Get("command")
	var add map[string]string
	switch cmd {
	case "add":
		if !p.Has("context") {
			return nil, cumulus.Errorf(cumulus.Invalid, op, "Missing required parameter - context")
		}
		add = ParseContext(p.Get("context"))
	case "remove_all":
	case "":
		return nil, cumulus.Errorf(cumulus.Invalid, op, "Missing required parameter - command")
	default:
		return nil, cumulus.Errorf(cumulus.Invalid, op, "Invalid command - %s", cmd)
	}
	ids := p.List("public_ids")
	if len(ids) == 0 {
		return nil, cumulus.Errorf(cumulus.Invalid, op, "Missing required parameter - public_ids")
	}
	if len(ids) > 1000 {
		return nil, cumulus.Errorf(cumulus.Invalid, op, "Too many public_ids - %d. Maximum is 1000.", len(ids))
	}
	found := []string{}
	for _, id := range ids {
		key, err := assetKey(env, rt, p.Get("type"), id)
		if err != nil {
			return nil, err
		}
		a, err := s.store.Asset(ctx, key)
		if cumulus.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, cumulus.Wrap(op, err)
		}
		// Read, merge, write: concurrent context calls on one asset are
		// last-writer-wins per call, as the store offers no merge.
		merged := map[string]string{}
		if cmd == "add" {
			for k, v := range a.Context {
				merged[k] = v
			}
			for k, v := range add {
				merged[k] = v
			}
		}
		if _, err := s.store.UpdateAsset(ctx, key, cumulus.AssetUpdate{Context: merged}, s.now()); cumulus.IsNotFound(err) {
			continue
		} else if err != nil {
			return nil, cumulus.Wrap(op, err)
		}
		found = append(found, key.PublicID)
	}
	return map[string][]string{"public_ids": found}, nil
}
