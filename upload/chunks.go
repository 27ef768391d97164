package upload

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/cumulusmedia/cumulus"
)

// chunks assembles chunked uploads (spec §D.4). Each upload ID gets a file
// in the temp folder; every chunk is written at its offset; the upload is
// complete when the total is known and every byte of it has arrived.
// Node sends a total of -1 until the last chunk, Go and Python the real
// one; chunks may be of any size.
type chunks struct {
	dir string
	ttl time.Duration
	mu  sync.Mutex
	ups map[string]*chunked
}

type chunked struct {
	mu       sync.Mutex
	path     string
	ranges   [][2]int64 // received [start, end) intervals, merged
	total    int64      // -1 until known
	filename string
	touched  time.Time
}

func newChunks(dir string, ttl time.Duration) *chunks {
	return &chunks{dir: dir, ttl: ttl, ups: map[string]*chunked{}}
}

var contentRange = regexp.MustCompile(`^bytes (\d+)-(\d+)/(-1|\d+)$`)

// add stores one chunk. When it completes the upload, add returns the
// assembled file as a spool (owned by the caller); otherwise the progress.
func (c *chunks) add(cloud, id, rangeHeader string, part *Spool) (*Spool, *ChunkResult, error) {
	const op = "upload.chunk"
	m := contentRange.FindStringSubmatch(rangeHeader)
	if m == nil {
		return nil, nil, cumulus.Errorf(cumulus.Invalid, op, "Invalid Content-Range header - %s", rangeHeader)
	}
	start, _ := strconv.ParseInt(m[1], 10, 64)
	end, _ := strconv.ParseInt(m[2], 10, 64)
	total, _ := strconv.ParseInt(m[3], 10, 64)
	if end < start || end-start+1 != part.Size() || (total >= 0 && end >= total) {
		return nil, nil, cumulus.Errorf(cumulus.Invalid, op, "Content-Range %s does not match a chunk of %d bytes", rangeHeader, part.Size())
	}
	if id == "" {
		// Without an ID a chunk can only be a whole file.
		if start == 0 && total == part.Size() {
			return part, nil, nil
		}
		return nil, nil, cumulus.Errorf(cumulus.Invalid, op, "Missing X-Unique-Upload-Id header for a chunked upload")
	}
	up, err := c.get(cloud, id)
	if err != nil {
		return nil, nil, err
	}
	up.mu.Lock()
	defer up.mu.Unlock()
	up.touched = time.Now()
	if total >= 0 {
		up.total = total
	}
	if part.Filename != "" && start == 0 {
		up.filename = part.Filename
	}
	f, err := os.OpenFile(up.path, os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, cumulus.Wrap(op, err)
	}
	if _, err := part.File().Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, nil, cumulus.Wrap(op, err)
	}
	_, err = io.Copy(io.NewOffsetWriter(f, start), part.File())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, nil, cumulus.Wrap(op, err)
	}
	up.ranges = mergeRange(up.ranges, start, end+1)
	received := int64(0)
	for _, r := range up.ranges {
		received += r[1] - r[0]
	}
	if up.total < 0 || len(up.ranges) != 1 || up.ranges[0] != [2]int64{0, up.total} {
		return nil, &ChunkResult{Done: false, Bytes: received}, nil
	}
	// Complete: hash the assembled file into a spool of its own.
	c.forget(cloud, id)
	whole, err := spoolFile(c.dir, up.path, up.filename)
	os.Remove(up.path)
	if err != nil {
		return nil, nil, err
	}
	return whole, nil, nil
}

func (c *chunks) key(cloud, id string) string {
	sum := sha256.Sum256([]byte(cloud + "\x00" + id))
	return hex.EncodeToString(sum[:16])
}

func (c *chunks) get(cloud, id string) (*chunked, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.expireLocked()
	k := c.key(cloud, id)
	up := c.ups[k]
	if up == nil {
		up = &chunked{path: filepath.Join(c.dir, "chunks-"+k), total: -1, touched: time.Now()}
		c.ups[k] = up
	}
	return up, nil
}

func (c *chunks) forget(cloud, id string) {
	c.mu.Lock()
	delete(c.ups, c.key(cloud, id))
	c.mu.Unlock()
}

// expireLocked drops uploads that have seen no chunk for the TTL.
func (c *chunks) expireLocked() {
	for k, up := range c.ups {
		if time.Since(up.touched) > c.ttl {
			os.Remove(up.path)
			delete(c.ups, k)
		}
	}
}

func mergeRange(rs [][2]int64, start, end int64) [][2]int64 {
	rs = append(rs, [2]int64{start, end})
	sort.Slice(rs, func(i, j int) bool { return rs[i][0] < rs[j][0] })
	out := rs[:1]
	for _, r := range rs[1:] {
		last := &out[len(out)-1]
		if r[0] <= last[1] {
			last[1] = max(last[1], r[1])
		} else {
			out = append(out, r)
		}
	}
	return out
}

// spoolFile copies a finished file into a new spool so it gets hashed.
func spoolFile(dir, path, filename string) (*Spool, error) {
	src, err := os.Open(path)
	if err != nil {
		return nil, cumulus.Wrap("upload.chunk", err)
	}
	defer src.Close()
	sp, err := NewSpool(dir, 1<<62)
	if err != nil {
		return nil, err
	}
	if _, err := sp.ReadFrom(src); err != nil {
		sp.Close()
		return nil, cumulus.Wrap("upload.chunk", err)
	}
	sp.Filename = filename
	return sp, nil
}
