// Command cumulus-bench is the load generator behind `make bench` for what
// wrk cannot do: signed multipart uploads at a fixed concurrency.
//
//	cumulus-bench upload -url http://127.0.0.1:8080 -cloud demo -key K -secret S \
//	    -concurrency 8 -duration 10s FILE
//
// It prints one line: uploads/s, p50, p99 and the error count.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/cumulusmedia/cumulus/signing"
)

func main() {
	if len(os.Args) < 2 || os.Args[1] != "upload" {
		fmt.Fprintln(os.Stderr, "usage: cumulus-bench upload [flags] FILE")
		os.Exit(2)
	}
	fs := flag.NewFlagSet("upload", flag.ExitOnError)
	base := fs.String("url", "http://127.0.0.1:8080", "server base URL")
	cloud := fs.String("cloud", "demo", "cloud name")
	key := fs.String("key", "", "API key")
	secret := fs.String("secret", "", "API secret")
	conc := fs.Int("concurrency", 8, "concurrent uploaders")
	dur := fs.Duration("duration", 10*time.Second, "how long to upload")
	fixedID := fs.String("public-id", "", "upload every time under this public ID (default: a new one each time)")
	fs.Parse(os.Args[2:])
	if fs.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "cumulus-bench upload: one FILE expected")
		os.Exit(2)
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *conc}}
	endpoint := *base + "/v1_1/" + *cloud + "/image/upload"
	deadline := time.Now().Add(*dur)
	var mu sync.Mutex
	var lat []time.Duration
	errs := 0
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < *conc; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i == 0 || time.Now().Before(deadline); i++ {
				id := fmt.Sprintf("bench/w%d-%d", w, i)
				if *fixedID != "" {
					id = *fixedID
				}
				params := url.Values{
					"public_id": {id},
					"timestamp": {strconv.FormatInt(time.Now().Unix(), 10)},
				}
				params.Set("signature", signing.SignParams(params, *secret, "sha1", 2))
				params.Set("api_key", *key)
				body, ctype := multipartBody(params, filepath.Base(fs.Arg(0)), data)
				t0 := time.Now()
				resp, err := client.Post(endpoint, ctype, body)
				ok := err == nil && resp.StatusCode == 200
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				d := time.Since(t0)
				mu.Lock()
				if ok {
					lat = append(lat, d)
				} else {
					errs++
				}
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	fmt.Printf("uploads/s %.1f  p50 %s  p99 %s  ok %d  errors %d\n",
		float64(len(lat))/elapsed.Seconds(), pct(0.5).Round(time.Millisecond), pct(0.99).Round(time.Millisecond), len(lat), errs)
}

func multipartBody(params url.Values, name string, data []byte) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range params {
		mw.WriteField(k, vs[0])
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	return &buf, mw.FormDataContentType()
}
