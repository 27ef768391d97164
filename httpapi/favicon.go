package httpapi

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"time"

	"github.com/cumulusmedia/cumulus"
	"github.com/cumulusmedia/cumulus/delivery"
	"github.com/cumulusmedia/cumulus/deliveryurl"
)

// defaultFavicon is a 16×16 ICO (a PNG inside an ICO header) served when
// an environment has no asset named "favicon".
var defaultFavicon = makeFavicon()

func makeFavicon() []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 16, 16))
	sky := color.NRGBA{0x34, 0x48, 0xc5, 0xff}
	for y := 0; y < 16; y++ {
		for x := 0; x < 16; x++ {
			// A rounded cloud: two circles on a bar.
			in := (x-5)*(x-5)+(y-8)*(y-8) <= 12 || (x-10)*(x-10)+(y-7)*(y-7) <= 16 || (y >= 9 && y <= 11 && x >= 3 && x <= 13)
			if in {
				img.Set(x, y, sky)
			}
		}
	}
	var p bytes.Buffer
	png.Encode(&p, img)
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, [3]uint16{0, 1, 1})                 // reserved, type icon, one image
	b.Write([]byte{16, 16, 0, 0})                                             // width, height, colours, reserved
	binary.Write(&b, binary.LittleEndian, [2]uint16{1, 32})                   // planes, bits per pixel
	binary.Write(&b, binary.LittleEndian, [2]uint32{uint32(p.Len()), 6 + 16}) // size, offset
	b.Write(p.Bytes())
	return b.Bytes()
}

var startTime = time.Now()

// serveFavicon answers /favicon.ico on an environment's own host (a
// private-CDN host, a CNAME, or any host of a single-environment install)
// with its public asset "favicon" from the root folder, or the built-in one.
func (s *Server) serveFavicon(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	env, ok := s.hostEnvironment(ctx, r.Host)
	if !ok {
		s.writeDeliveryError(w, r, cumulus.Errorf(cumulus.NotFound, "favicon", "Unknown host - %s", deliveryurl.ParseHost(r.Host).Host))
		return
	}
	req, _ := deliveryurl.ParsePath("image/upload/favicon")
	if resp, err := s.delivery.Deliver(ctx, env, req, delivery.Client{}); err == nil {
		defer resp.Body.Close()
		w.Header().Set("Content-Type", resp.ContentType)
		w.Header().Set("ETag", resp.ETag)
		w.Header().Set("Cache-Control", resp.CacheControl)
		http.ServeContent(w, r, "", resp.LastModified, resp.Body)
		return
	} else if !cumulus.IsNotFound(err) {
		s.writeDeliveryError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/x-icon")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	http.ServeContent(w, r, "", startTime, bytes.NewReader(defaultFavicon))
}
