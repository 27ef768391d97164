package delivery

import (
	"bytes"
	"context"
	"path"
	"strconv"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/render"
	"github.com/cumulusmedia/cumulus/sniff"
)

// Proxies (see render.MakeProxies) are reduced copies of an original,
// made the first time a rendition of it is missing, stored beside it and
// used for every later rendition that fits them. Their keys derive from
// the original's content address, so the orphan collector can tell when
// they are no longer needed.

// proxyKey names the copy of an original at a long edge.
func proxyKey(originalKey string, size int) string {
	sum := path.Base(originalKey)
	return "prepared/" + sum[:2] + "/" + sum + "-" + strconv.Itoa(size)
}

// proxySource returns the smallest proxy of version v that can render a
// first step scaling to tw × th, making the proxies when they do not exist
// yet. ok is false when no proxy fits (render from the original then).
func (s *Service) proxySource(ctx context.Context, v cumulus.Version, tw, th int) (render.Source, bool) {
	long := max(v.Width, v.Height)
	size := 0
	for _, e := range render.ProxySizes {
		// The copy's sides, with two pixels of margin for rounding.
		if e*5 <= long*4 && v.Width*e/long >= tw+2 && v.Height*e/long >= th+2 {
			size = e
			break
		}
	}
	if size == 0 || long == 0 {
		return render.Source{}, false
	}
	full := render.Source{FullWidth: v.Width, FullHeight: v.Height}
	if data, ok := s.readProxy(ctx, v.BlobKey, size); ok {
		full.Data, full.Format = data, string(sniff.Detect(data).Format)
		return full, true
	}
	made, err, _ := s.renders.Do("proxies:"+v.BlobKey, func() (any, error) {
		src, err := s.readSource(ctx, v.BlobKey, v.Format, v.Width, v.Height)
		if err != nil {
			return nil, err
		}
		ps, err := s.render.MakeProxies(ctx, src)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			if _, err := s.putCache(ctx, proxyKey(v.BlobKey, p.LongEdge), p.Data); err != nil {
				return nil, err
			}
		}
		return ps, nil
	})
	if err != nil {
		return render.Source{}, false
	}
	for _, p := range made.([]render.Proxy) {
		if p.LongEdge == size {
			full.Data, full.Format = p.Data, p.Format
			return full, true
		}
	}
	return render.Source{}, false
}

func (s *Service) readProxy(ctx context.Context, originalKey string, size int) ([]byte, bool) {
	data, err := s.readBlob(ctx, proxyKey(originalKey, size))
	return data, err == nil
}

// putCache stores a rebuildable blob, without the folder sync when the
// blob store offers that.
func (s *Service) putCache(ctx context.Context, key string, data []byte) (int64, error) {
	if cp, ok := s.blobs.(cumulus.CachePutter); ok {
		return cp.PutCache(ctx, key, bytes.NewReader(data))
	}
	return s.blobs.Put(ctx, key, bytes.NewReader(data))
}
