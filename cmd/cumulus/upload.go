package main

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// uploadFile is one local file and the public ID it gets.
type uploadFile struct {
	path     string
	size     int64
	publicID string
}

// Extensions of media the server stores as image or video assets, whose
// public IDs leave the extension out (as Cloudinary's do); anything else
// is a raw asset and keeps its extension.
var mediaExt = map[string]bool{
	"jpg": true, "jpeg": true, "jpe": true, "png": true, "gif": true, "webp": true, "avif": true, "heic": true, "heif": true,
	"tif": true, "tiff": true, "bmp": true, "ico": true, "svg": true, "pdf": true, "psd": true, "jxl": true, "jp2": true,
	"mp4": true, "mov": true, "webm": true, "mkv": true, "avi": true, "m4v": true, "ogv": true, "mp3": true, "wav": true,
	"ogg": true, "m4a": true, "flac": true, "aac": true,
}

// publicIDFor returns the public ID of a file at rel (a slash-separated
// path relative to the uploaded folder) under folder.
func publicIDFor(folder, rel string) string {
	rel = filepath.ToSlash(rel)
	dir, name := path.Split(rel)
	if ext := path.Ext(name); ext != "" && mediaExt[strings.ToLower(ext[1:])] && len(name) > len(ext) {
		name = strings.TrimSuffix(name, ext)
	}
	return strings.Trim(path.Join(strings.Trim(folder, "/"), dir, name), "/")
}

// collectFiles walks the paths: a file is uploaded under its name, a
// folder recursively with its structure kept below it. Hidden files and
// folders (names starting with '.') are left out.
func collectFiles(paths []string, folder string) ([]uploadFile, error) {
	var out []uploadFile
	seen := map[string]string{}
	add := func(p, rel string, size int64) error {
		id := publicIDFor(folder, rel)
		if prev, ok := seen[id]; ok {
			return fmt.Errorf("%s and %s would both be uploaded as %q", prev, p, id)
		}
		seen[id] = p
		out = append(out, uploadFile{path: p, size: size, publicID: id})
		return nil
	}
	for _, root := range paths {
		fi, err := os.Stat(root)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			if err := add(root, filepath.Base(root), fi.Size()); err != nil {
				return nil, err
			}
			continue
		}
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if p != root && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.Type().IsRegular() {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			return add(p, rel, info.Size())
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// existingEtags finds which public IDs the environment already has and the
// etag (MD5) of each one's current version, through the search API in
// batches that fit its expression limit.
func existingEtags(ctx context.Context, c *apiClient, ids []string) (map[string][]string, error) {
	out := map[string][]string{}
	const maxExpr = 3500
	for len(ids) > 0 {
		var terms []string
		n := 0
		for len(ids) > 0 && len(terms) < 50 { // Cumulus allows 64 terms per expression
			t := "public_id=" + strconv.Quote(ids[0])
			if n+len(t)+4 > maxExpr && len(terms) > 0 {
				break
			}
			terms, n, ids = append(terms, t), n+len(t)+4, ids[1:]
		}
		cursor := ""
		for {
			var res struct {
				Resources []struct {
					PublicID string `json:"public_id"`
					Etag     string `json:"etag"`
				} `json:"resources"`
				NextCursor string `json:"next_cursor"`
			}
			body := map[string]any{"expression": strings.Join(terms, " OR "), "max_results": 500}
			if cursor != "" {
				body["next_cursor"] = cursor
			}
			if err := c.admin(ctx, "POST", "resources/search", nil, body, &res); err != nil {
				return nil, fmt.Errorf("checking what is already uploaded: %w", err)
			}
			for _, r := range res.Resources {
				out[r.PublicID] = append(out[r.PublicID], r.Etag)
			}
			if cursor = res.NextCursor; cursor == "" {
				break
			}
		}
	}
	return out, nil
}

// uploadCmd runs "cumulus upload PATH... [--folder F] [--tags a,b]
// [--concurrency N]": every file is uploaded under a public ID that keeps
// its folder structure; a file whose public ID already holds the same
// bytes (same MD5 etag) is skipped, so a rerun after an interruption only
// sends what is missing.
func uploadCmd(args []string, getenv func(string) string, stdout, stderr io.Writer, tty bool) error {
	fs := flag.NewFlagSet("upload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	folder := fs.String("folder", "", "folder (public ID prefix) to upload into")
	tags := fs.String("tags", "", "comma-separated tags for every file")
	concurrency := fs.Int("concurrency", 4, "uploads at once")
	typ := fs.String("type", "upload", "delivery type: upload, private or authenticated")
	every := fs.Duration("progress-every", 2*time.Second, "how often to print progress when not on a terminal")
	var paths []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		paths, args = append(paths, fs.Arg(0)), fs.Args()[1:]
	}
	if len(paths) == 0 {
		return errors.New("usage: cumulus upload PATH... [--folder F] [--tags a,b] [--concurrency N]")
	}
	if *concurrency < 1 || *concurrency > 64 {
		return errors.New("upload: --concurrency must be between 1 and 64")
	}
	c, err := envClient(getenv)
	if err != nil {
		return err
	}
	files, err := collectFiles(paths, *folder)
	if err != nil {
		return err
	}
	ctx := context.Background()
	ids := make([]string, len(files))
	var total int64
	for i, f := range files {
		ids[i], total = f.publicID, total+f.size
	}
	existing, err := existingEtags(ctx, c, ids)
	if err != nil {
		return err
	}

	p := newProgress(stderr, tty, "upload", "files", *every)
	p.SetTotal(int64(len(files)), total)
	start := time.Now()
	p.Start()
	var mu sync.Mutex
	var failures []string
	var sent int64
	uploaded := 0
	jobs := make(chan uploadFile)
	var wg sync.WaitGroup
	for w := 0; w < *concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range jobs {
				skipped, n, err := uploadOne(ctx, c, p, f, existing[f.publicID], *tags, *typ)
				p.Done(skipped, err != nil)
				mu.Lock()
				if err != nil {
					failures = append(failures, fmt.Sprintf("%s: %v", f.path, err))
					p.Logf("failed: %s (%s): %v", f.path, f.publicID, err)
				} else if !skipped {
					uploaded++
					sent += n
				}
				mu.Unlock()
			}
		}()
	}
	for _, f := range files {
		jobs <- f
	}
	close(jobs)
	wg.Wait()
	p.Stop()
	fmt.Fprintf(stdout, "Uploaded %d files (%s) in %s; %d skipped (already uploaded with the same content); %d failed\n",
		uploaded, humanBytes(sent), time.Since(start).Round(10*time.Millisecond), int(p.skipped.Load()), len(failures))
	if len(failures) > 0 {
		return fmt.Errorf("%d of %d uploads failed", len(failures), len(files))
	}
	return nil
}

// uploadOne uploads f unless one of etags (the target's current etags for
// its public ID) is f's MD5. It retries network errors and 5xx answers.
func uploadOne(ctx context.Context, c *apiClient, p *progress, f uploadFile, etags []string, tags, typ string) (skipped bool, sent int64, err error) {
	sum, err := fileMD5(f.path)
	if err != nil {
		return false, 0, err
	}
	for _, e := range etags {
		if strings.EqualFold(e, sum) {
			p.Add(f.size)
			return true, 0, nil
		}
	}
	params := map[string][]string{"public_id": {f.publicID}, "overwrite": {"true"}, "type": {typ}}
	if tags != "" {
		params["tags"] = []string{tags}
	}
	for attempt := 1; ; attempt++ {
		file, err := os.Open(f.path)
		if err != nil {
			return false, 0, err
		}
		cr := &countingReader{r: file, p: p}
		_, err = c.upload(ctx, "auto", params, filepath.Base(f.path), cr)
		file.Close()
		if err == nil {
			return false, cr.n, nil
		}
		p.Add(-cr.n)
		if attempt == 3 || !retryable(err) {
			return false, 0, err
		}
		time.Sleep(time.Duration(attempt) * 500 * time.Millisecond)
	}
}

func fileMD5(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := md5.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
