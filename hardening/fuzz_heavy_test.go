package hardening

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// fuzzTargets are the parsers of untrusted input, each with its native
// fuzz target; seeds are committed under <package>/testdata/fuzz/<target>.
var fuzzTargets = []struct{ pkg, name, what, knownOpen string }{
	// A finding fixed: variable definitions ("$A_0,$A0$A_0") printed a
	// canonical form that read back differently (transform/vars_test.go).
	{"./transform", "FuzzParse", "transformation grammar", ""},
	{"./transform", "FuzzResolve", "if_ conditions", ""},
	{"./publicid", "FuzzNormalize", "public IDs", ""},
	{"./signing", "FuzzParams", "API signature string", ""},
	{"./deliveryurl", "FuzzParsePath", "delivery URL parser", ""},
	{"./sniff", "FuzzDimensions", "sniffer (format and header)", ""},
	{"./svgsafe", "FuzzSanitize", "SVG sanitiser", ""},
	{"./httpapi", "FuzzLaneParse", "hit lane request parser", ""},
	{"./hardening", "FuzzDeliveryHandler", "whole delivery handler", ""},
	{"./hardening", "FuzzUploadParser", "upload body parsers", ""},
	{"./hardening", "FuzzPublicIDPaths", "public IDs vs the blob root", ""},
}

var execsLine = regexp.MustCompile(`execs: (\d+)`)

// TestHeavyFuzz runs every fuzz target for CUMULUS_FUZZTIME (60s) with
// `go test -fuzz`. A failure leaves the crashing input in the package's
// testdata/fuzz folder, where plain `go test` replays it from then on.
func TestHeavyFuzz(t *testing.T) {
	heavy(t)
	fuzztime := os.Getenv("CUMULUS_FUZZTIME")
	if fuzztime == "" {
		fuzztime = "60s"
	}
	d, err := time.ParseDuration(fuzztime)
	if err != nil {
		t.Fatalf("CUMULUS_FUZZTIME: %v", err)
	}
	for _, ft := range fuzzTargets {
		t.Run(ft.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), d+5*time.Minute)
			defer cancel()
			start := time.Now()
			cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-fuzz", "^"+ft.name+"$",
				"-fuzztime", fuzztime, "-parallel", "2",
				// Minimising every new input for the default 60 s stalls the run.
				"-fuzzminimizetime", "2s", ft.pkg)
			cmd.Dir = ".."
			cmd.Env = append(os.Environ(), "CUMULUS_HEAVY=")
			out, err := cmd.CombinedOutput()
			execs := "?"
			if m := execsLine.FindAllSubmatch(out, -1); len(m) > 0 {
				execs = string(m[len(m)-1][1])
			}
			t.Logf("%-20s %-32s %s execs in %s (%s)", ft.name, ft.what, execs, fuzztime, time.Since(start).Round(time.Second))
			if err != nil && !bytes.Contains(out, []byte("Failing input written")) && bytes.Contains(out, []byte("context deadline exceeded")) {
				// The Go fuzzer sometimes reports its own deadline, hit
				// while minimising, as a failure: no input failed.
				t.Logf("%s: the fuzzer stopped on its deadline while minimising; no failing input", ft.name)
				err = nil
			}
			if err != nil && ft.knownOpen != "" && regexp.MustCompile(ft.knownOpen).Match(out) {
				// Keep plain `go test` green: the input is not kept as a seed.
				for _, m := range regexp.MustCompile(`Failing input written to (\S+)`).FindAllSubmatch(out, -1) {
					os.Remove(filepath.Join("..", strings.TrimPrefix(ft.pkg, "./"), string(m[1])))
				}
				t.Logf("%s: known open finding, not a new failure:\n%s", ft.name, regexp.MustCompile(ft.knownOpen).Find(out))
				err = nil
			}
			if err != nil {
				lines := strings.Split(strings.TrimSpace(string(out)), "\n")
				t.Fatalf("%s %s failed: %v\n%s", ft.pkg, ft.name, err, strings.Join(lines[max(0, len(lines)-30):], "\n"))
			}
		})
	}
}
