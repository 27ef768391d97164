package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cumulusmedia/cumulus/signing"
)

// listedAsset is an asset as the Admin API lists it, with the fields a
// migration carries over.
type listedAsset struct {
	PublicID     string            `json:"public_id"`
	ResourceType string            `json:"resource_type"`
	Type         string            `json:"type"`
	Format       string            `json:"format"`
	Version      int64             `json:"version"`
	Bytes        int64             `json:"bytes"`
	URL          string            `json:"url"`
	SecureURL    string            `json:"secure_url"`
	Tags         []string          `json:"tags"`
	Context      *assetContext     `json:"context"`
	Metadata     map[string]string `json:"metadata"`
}

type assetContext struct {
	Custom map[string]string `json:"custom"`
}

func (a listedAsset) key() string { return a.ResourceType + "/" + a.Type + "/" + a.PublicID }

func (a listedAsset) context() map[string]string {
	if a.Context == nil {
		return nil
	}
	return a.Context.Custom
}

// listAll lists every asset of every resource and delivery type, following
// cursors, with tags, context and metadata. onPage is told the running
// count and bytes.
func listAll(ctx context.Context, c *apiClient, onPage func(n int, bytes int64)) ([]listedAsset, error) {
	var out []listedAsset
	var bytes int64
	for _, rt := range []string{"image", "video", "raw"} {
		q := url.Values{"max_results": {"500"}, "tags": {"true"}, "context": {"true"}, "metadata": {"true"}}
		for {
			var page struct {
				Resources  []listedAsset `json:"resources"`
				NextCursor string        `json:"next_cursor"`
			}
			if err := c.admin(ctx, "GET", "resources/"+rt, q, nil, &page); err != nil {
				return nil, fmt.Errorf("listing %s assets of %s: %w", rt, c.cloud, err)
			}
			for _, a := range page.Resources {
				if a.ResourceType == "" {
					a.ResourceType = rt
				}
				bytes += a.Bytes
				out = append(out, a)
			}
			if onPage != nil {
				onPage(len(out), bytes)
			}
			if page.NextCursor == "" {
				break
			}
			q.Set("next_cursor", page.NextCursor)
		}
	}
	return out, nil
}

// originalURL is where the source serves a's original bytes: its listed
// URL, with a delivery signature added for types that need one.
func originalURL(src *apiClient, a listedAsset) (string, error) {
	u := a.SecureURL
	if u == "" || strings.HasPrefix(a.URL, "http://") && strings.HasPrefix(src.base, "http://") {
		u = a.URL
	}
	if u == "" {
		return "", errors.New("the source lists no URL")
	}
	if a.Type == "upload" {
		return u, nil
	}
	marker := "/" + a.ResourceType + "/" + a.Type + "/"
	i := strings.Index(u, marker)
	if i < 0 {
		return "", fmt.Errorf("cannot sign %s", u)
	}
	source := a.PublicID
	if a.Format != "" && a.ResourceType != "raw" {
		source += "." + a.Format
	}
	sig := "s--" + signing.URLSignature(source, src.secret, signing.SHA1, false) + "--/"
	j := i + len(marker)
	return u[:j] + sig + u[j:], nil
}

// encodeContext writes a context map in the Upload API's "k=v|k2=v2"
// form, escaping '=' and '|' with a backslash.
func encodeContext(m map[string]string) string {
	esc := strings.NewReplacer(`\`, `\\`, "=", `\=`, "|", `\|`)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = esc.Replace(k) + "=" + esc.Replace(m[k])
	}
	return strings.Join(parts, "|")
}

// migrateCmd runs "cumulus migrate --from cloudinary://KEY:SECRET@CLOUD":
// it copies every asset of the source environment (public ID, resource and
// delivery type, tags, context, metadata and the current original) to the
// environment CLOUDINARY_URL names. An asset already on the target with the
// same public ID, types, format and byte size is not sent again, so a rerun
// moves only what is missing.
func migrateCmd(args []string, getenv func(string) string, stdout, stderr io.Writer, tty bool) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "source environment: cloudinary://KEY:SECRET@CLOUD")
	apiHost := fs.String("api-host", "", "the source's API host (default: its upload_prefix, or https://api.cloudinary.com)")
	concurrency := fs.Int("concurrency", 4, "assets moved at once")
	every := fs.Duration("progress-every", 2*time.Second, "how often to print progress when not on a terminal")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *from == "" || fs.NArg() > 0 {
		return errors.New("usage: cumulus migrate --from cloudinary://KEY:SECRET@CLOUD [--api-host URL] [--concurrency N]")
	}
	if *concurrency < 1 || *concurrency > 64 {
		return errors.New("migrate: --concurrency must be between 1 and 64")
	}
	src, err := newClient(*from, *apiHost)
	if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	dst, err := envClient(getenv)
	if err != nil {
		return err
	}
	if src.base == dst.base && src.cloud == dst.cloud {
		return errors.New("migrate: the source and the target are the same environment")
	}
	ctx := context.Background()
	fmt.Fprintf(stderr, "Listing %s at %s…\n", src.cloud, src.base)
	assets, err := listAll(ctx, src, nil)
	if err != nil {
		return err
	}
	have, err := listAll(ctx, dst, nil)
	if err != nil {
		return err
	}
	onTarget := make(map[string]listedAsset, len(have))
	for _, a := range have {
		onTarget[a.key()] = a
	}
	var total int64
	for _, a := range assets {
		total += a.Bytes
	}

	p := newProgress(stderr, tty, "migrate", "assets", *every)
	p.SetTotal(int64(len(assets)), total)
	start := time.Now()
	p.Start()
	var mu sync.Mutex
	var failures []string
	moved, unchanged := 0, 0
	var movedBytes int64
	jobs := make(chan listedAsset)
	var wg sync.WaitGroup
	for w := 0; w < *concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for a := range jobs {
				t, ok := onTarget[a.key()]
				same := ok && t.Bytes == a.Bytes && t.Format == a.Format
				var n int64
				var err error
				if same {
					p.Add(a.Bytes)
				} else {
					n, err = moveOne(ctx, src, dst, p, a)
				}
				p.Done(same, err != nil)
				mu.Lock()
				switch {
				case err != nil:
					failures = append(failures, fmt.Sprintf("%s: %v", a.key(), err))
					p.Logf("failed: %s: %v", a.key(), err)
				case same:
					unchanged++
				default:
					moved++
					movedBytes += n
				}
				mu.Unlock()
			}
		}()
	}
	for _, a := range assets {
		jobs <- a
	}
	close(jobs)
	wg.Wait()
	p.Stop()
	fmt.Fprintf(stdout, "Migrated %d of %d assets (%s) from %s to %s in %s; %d already there; %d failed\n",
		moved, len(assets), humanBytes(movedBytes), src.cloud, dst.cloud, time.Since(start).Round(10*time.Millisecond), unchanged, len(failures))
	for _, f := range failures {
		fmt.Fprintln(stdout, "  failed:", f)
	}
	if len(failures) > 0 {
		return fmt.Errorf("%d of %d assets failed to migrate; rerun to retry them", len(failures), len(assets))
	}
	return nil
}

// moveOne streams a's original from the source into an upload to the
// target, then sets its structured metadata. Network errors and 5xx
// answers are retried.
func moveOne(ctx context.Context, src, dst *apiClient, p *progress, a listedAsset) (int64, error) {
	u, err := originalURL(src, a)
	if err != nil {
		return 0, err
	}
	params := url.Values{"public_id": {a.PublicID}, "type": {a.Type}, "overwrite": {"true"}}
	if len(a.Tags) > 0 {
		params.Set("tags", strings.Join(a.Tags, ","))
	}
	if c := a.context(); len(c) > 0 {
		params.Set("context", encodeContext(c))
	}
	name := path.Base(a.PublicID)
	if a.Format != "" && a.ResourceType != "raw" {
		name += "." + a.Format
	}
	for attempt := 1; ; attempt++ {
		n, err := func() (int64, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
			if err != nil {
				return 0, err
			}
			resp, err := src.http.Do(req)
			if err != nil {
				return 0, err
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				msg := resp.Header.Get("X-Cld-Error")
				if msg == "" {
					msg = resp.Status
				}
				return 0, &apiError{Status: resp.StatusCode, Message: "downloading the original: " + msg}
			}
			cr := &countingReader{r: resp.Body, p: p}
			_, err = dst.upload(ctx, a.ResourceType, params, name, cr)
			if err != nil {
				p.Add(-cr.n)
			}
			return cr.n, err
		}()
		if err == nil {
			if len(a.Metadata) > 0 {
				err = dst.admin(ctx, "POST", "resources/"+a.ResourceType+"/"+a.Type+"/"+escapeID(a.PublicID), nil,
					map[string]any{"metadata": a.Metadata}, nil)
				if err != nil {
					return n, fmt.Errorf("setting metadata: %w", err)
				}
			}
			return n, nil
		}
		if attempt == 3 || !retryable(err) {
			return 0, err
		}
		time.Sleep(time.Duration(attempt) * 500 * time.Millisecond)
	}
}
