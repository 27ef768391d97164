package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cumulusmedia/cumulus/signing"
)

// apiClient speaks the Upload and Admin APIs of one product environment,
// on Cloudinary or on any Cumulus server.
type apiClient struct {
	cloud, key, secret string
	base               string // scheme://host[:port] of the APIs, without /v1_1
	http               *http.Client
	now                func() time.Time
}

// defaultAPIHost is where the SDKs send API calls when upload_prefix is
// not set.
const defaultAPIHost = "https://api.cloudinary.com"

// newClient reads a cloudinary://KEY:SECRET@CLOUD URL, as the SDKs do; its
// upload_prefix query parameter names the API host. apiHost, when not
// empty, overrides it.
func newClient(cloudinaryURL, apiHost string) (*apiClient, error) {
	u, err := url.Parse(cloudinaryURL)
	if err != nil || u.Scheme != "cloudinary" || u.Hostname() == "" || u.User == nil {
		return nil, fmt.Errorf("expected cloudinary://KEY:SECRET@CLOUD, got %q", redact(cloudinaryURL))
	}
	secret, _ := u.User.Password()
	c := &apiClient{cloud: u.Hostname(), key: u.User.Username(), secret: secret, base: defaultAPIHost,
		http: &http.Client{Timeout: 10 * time.Minute}, now: time.Now}
	if p := u.Query().Get("upload_prefix"); p != "" {
		c.base = p
	}
	if apiHost != "" {
		c.base = apiHost
	}
	c.base = strings.TrimSuffix(c.base, "/")
	if c.key == "" || c.secret == "" {
		return nil, fmt.Errorf("%s: the API key and secret are required", redact(cloudinaryURL))
	}
	return c, nil
}

// redact hides the secret of a cloudinary:// URL in messages.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxx")
	}
	return u.String()
}

// envClient is the client CLOUDINARY_URL names.
func envClient(getenv func(string) string) (*apiClient, error) {
	cu := getenv("CLOUDINARY_URL")
	if cu == "" {
		return nil, errors.New("set CLOUDINARY_URL=cloudinary://KEY:SECRET@CLOUD?upload_prefix=http://HOST:PORT")
	}
	return newClient(cu, "")
}

// apiError is an answer other than 200, with the API's message.
type apiError struct {
	Status  int
	Message string
}

func (e *apiError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.Status, e.Message) }

// retryable reports whether err may go away on its own: a network error,
// a 5xx or an overloaded server. Client errors and rate limits are final.
func retryable(err error) bool {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.Status >= 500
	}
	return err != nil && !errors.Is(err, context.Canceled)
}

func decodeAnswer(resp *http.Response, out any) error {
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		msg := strings.TrimSpace(string(body))
		if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
			msg = e.Error.Message
		}
		if len(msg) > 300 {
			msg = msg[:300]
		}
		return &apiError{Status: resp.StatusCode, Message: msg}
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(body, out)
}

// admin calls an Admin API endpoint (path after /v1_1/<cloud>/): query
// parameters for GET, a JSON body otherwise.
func (c *apiClient) admin(ctx context.Context, method, path string, query url.Values, body any, out any) error {
	u := c.base + "/v1_1/" + url.PathEscape(c.cloud) + "/" + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.SetBasicAuth(c.key, c.secret)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	return decodeAnswer(resp, out)
}

// uploadResult is the part of an upload answer the CLI reads.
type uploadResult struct {
	PublicID     string `json:"public_id"`
	Version      int64  `json:"version"`
	ResourceType string `json:"resource_type"`
	Type         string `json:"type"`
	Bytes        int64  `json:"bytes"`
	Etag         string `json:"etag"`
}

// upload sends file (named filename) with params to the Upload API of
// resource type rt, signing the parameters. The body is streamed.
func (c *apiClient) upload(ctx context.Context, rt string, params url.Values, filename string, file io.Reader) (uploadResult, error) {
	var res uploadResult
	p := url.Values{}
	for k, v := range params {
		p[k] = v
	}
	p.Set("timestamp", strconv.FormatInt(c.now().Unix(), 10))
	p.Set("signature", signing.SignParams(p, c.secret, signing.SHA1, 2))
	p.Set("api_key", c.key)
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		err := func() error {
			for k, vs := range p {
				for _, v := range vs {
					if err := mw.WriteField(k, v); err != nil {
						return err
					}
				}
			}
			part, err := mw.CreateFormFile("file", filename)
			if err != nil {
				return err
			}
			if _, err := io.Copy(part, file); err != nil {
				return err
			}
			return mw.Close()
		}()
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/v1_1/"+url.PathEscape(c.cloud)+"/"+rt+"/upload", pr)
	if err != nil {
		pr.Close()
		return res, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.http.Do(req)
	if err != nil {
		pr.CloseWithError(err)
		return res, err
	}
	pr.Close()
	return res, decodeAnswer(resp, &res)
}

// adminCmd runs "cumulus admin SUBCOMMAND ..." against CLOUDINARY_URL and
// prints the answer: a table for listings, JSON for the rest (or with
// --json always).
func adminCmd(args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: cumulus admin resources|details|tags|delete|search|usage [flags]")
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("admin "+sub, flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	rt := fs.String("resource-type", "image", "image, video or raw")
	typ := fs.String("type", "upload", "upload, private or authenticated")
	prefix := fs.String("prefix", "", "public IDs starting with this (resources)")
	tag := fs.String("tag", "", "assets with this tag (resources)")
	maxN := fs.Int("max", 100, "results per page")
	all := fs.Bool("all", false, "follow next_cursor to the end")
	versions := fs.Bool("versions", false, "include the version history (details)")
	sortBy := fs.String("sort-by", "", "search: field, or field:asc")
	asJSON := fs.Bool("json", false, "print the raw JSON answer")
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		pos, args = append(pos, fs.Arg(0)), fs.Args()[1:]
	}
	c, err := envClient(getenv)
	if err != nil {
		return err
	}
	ctx := context.Background()
	printJSON := func(v any) error {
		b, _ := json.MarshalIndent(v, "", "  ")
		_, err := fmt.Fprintln(stdout, string(b))
		return err
	}
	switch sub {
	case "usage", "ping", "config":
		var out map[string]any
		if err := c.admin(ctx, "GET", sub, nil, nil, &out); err != nil {
			return err
		}
		return printJSON(out)
	case "details":
		if len(pos) != 1 {
			return errors.New("usage: cumulus admin details PUBLIC_ID [--resource-type R] [--type T] [--versions]")
		}
		q := url.Values{}
		if *versions {
			q.Set("versions", "true")
		}
		var out map[string]any
		if err := c.admin(ctx, "GET", "resources/"+*rt+"/"+*typ+"/"+escapeID(pos[0]), q, nil, &out); err != nil {
			return err
		}
		return printJSON(out)
	case "tags":
		var tags []string
		q := url.Values{"max_results": {strconv.Itoa(*maxN)}}
		if *prefix != "" {
			q.Set("prefix", *prefix)
		}
		for {
			var out struct {
				Tags       []string `json:"tags"`
				NextCursor string   `json:"next_cursor"`
			}
			if err := c.admin(ctx, "GET", "tags/"+*rt, q, nil, &out); err != nil {
				return err
			}
			tags = append(tags, out.Tags...)
			if !*all || out.NextCursor == "" {
				break
			}
			q.Set("next_cursor", out.NextCursor)
		}
		if *asJSON {
			return printJSON(tags)
		}
		for _, t := range tags {
			fmt.Fprintln(stdout, t)
		}
		return nil
	case "delete":
		if len(pos) == 0 {
			return errors.New("usage: cumulus admin delete PUBLIC_ID... [--resource-type R] [--type T]")
		}
		var out map[string]any
		if err := c.admin(ctx, "DELETE", "resources/"+*rt+"/"+*typ, nil, map[string]any{"public_ids": pos}, &out); err != nil {
			return err
		}
		return printJSON(out)
	case "resources", "search":
		var list []map[string]any
		cursor := ""
		for {
			var out struct {
				Resources  []map[string]any `json:"resources"`
				NextCursor string           `json:"next_cursor"`
				TotalCount *int64           `json:"total_count"`
			}
			if sub == "search" {
				body := map[string]any{"expression": strings.Join(pos, " "), "max_results": *maxN, "with_field": []string{"tags", "context"}}
				if cursor != "" {
					body["next_cursor"] = cursor
				}
				if *sortBy != "" {
					f, dir, _ := strings.Cut(*sortBy, ":")
					if dir == "" {
						dir = "desc"
					}
					body["sort_by"] = []map[string]string{{f: dir}}
				}
				err = c.admin(ctx, "POST", "resources/search", nil, body, &out)
			} else {
				q := url.Values{"max_results": {strconv.Itoa(*maxN)}, "tags": {"true"}}
				if cursor != "" {
					q.Set("next_cursor", cursor)
				}
				path := "resources/" + *rt + "/" + *typ
				if *prefix != "" {
					q.Set("prefix", *prefix)
				}
				if *tag != "" {
					path = "resources/" + *rt + "/tags/" + url.PathEscape(*tag)
				}
				err = c.admin(ctx, "GET", path, q, nil, &out)
			}
			if err != nil {
				return err
			}
			list = append(list, out.Resources...)
			if !*all || out.NextCursor == "" {
				if out.NextCursor != "" && !*asJSON {
					fmt.Fprintf(os.Stderr, "(more: rerun with --all)\n")
				}
				break
			}
			cursor = out.NextCursor
		}
		if *asJSON {
			return printJSON(list)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PUBLIC ID\tTYPE\tFORMAT\tSIZE\tBYTES\tTAGS")
		for _, r := range list {
			dims := ""
			if w, ok := r["width"].(float64); ok && w > 0 {
				dims = fmt.Sprintf("%v×%v", r["width"], r["height"])
			}
			tags := []string{}
			if ts, ok := r["tags"].([]any); ok {
				for _, t := range ts {
					tags = append(tags, fmt.Sprint(t))
				}
			}
			fmt.Fprintf(tw, "%v\t%v/%v\t%v\t%s\t%v\t%s\n", r["public_id"], r["resource_type"], r["type"], r["format"], dims, r["bytes"], strings.Join(tags, ","))
		}
		return tw.Flush()
	}
	return fmt.Errorf("admin: unknown subcommand %q (resources, details, tags, delete, search, usage)", sub)
}

// escapeID escapes each segment of a public ID for a URL path.
func escapeID(id string) string {
	segs := strings.Split(id, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}
