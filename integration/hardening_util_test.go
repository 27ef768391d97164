package integration

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cumulusmedia/cumulus/signing"
)

// heavyOnly skips a test unless CUMULUS_HEAVY is set (make test-heavy).
func heavyOnly(t testing.TB) {
	t.Helper()
	if os.Getenv("CUMULUS_HEAVY") == "" {
		t.Skip("heavy suite: set CUMULUS_HEAVY=1 (make test-heavy)")
	}
}

// uploadResult is what a raw upload request got.
type uploadResult struct {
	status int
	cldErr string
	body   []byte
	took   time.Duration
	err    error // transport failure (the server died, a deadline)
}

// rawUpload sends a signed multipart upload of data to resource type rt
// with the given parameters, with no SDK in between.
func (s *server) rawUpload(client *http.Client, rt string, params url.Values, filename string, data []byte) uploadResult {
	q := url.Values{}
	for k, v := range params {
		q[k] = v
	}
	q.Set("timestamp", strconv.FormatInt(time.Now().Unix(), 10))
	q.Set("signature", signing.SignParams(q, s.Secret, signing.SHA1, 1))
	q.Set("api_key", s.Key)
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, vs := range q {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile("file", filename)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/v1_1/%s/%s/upload", s.URL, s.Cloud, rt), &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return uploadResult{err: err, took: time.Since(start)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return uploadResult{status: resp.StatusCode, cldErr: resp.Header.Get("X-Cld-Error"), body: body, took: time.Since(start), err: err}
}

// procKB reads a field (VmRSS:, VmHWM:) of a process's status in kB.
func procKB(pid int, field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

func (s *server) rssKB() int64 { return procKB(s.cmd.Process.Pid, "VmRSS:") }
func (s *server) hwmKB() int64 { return procKB(s.cmd.Process.Pid, "VmHWM:") }

// alive reports whether the server process is still running.
func (s *server) alive() bool {
	_, err := os.Stat(fmt.Sprintf("/proc/%d", s.cmd.Process.Pid))
	if err != nil {
		return false
	}
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	// A zombie (state Z) has died but not been waited for.
	if i := bytes.LastIndexByte(b, ')'); i > 0 && i+2 < len(b) && b[i+2] == 'Z' {
		return false
	}
	return true
}
