package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestPurgeSettings(t *testing.T) {
	cases := []struct {
		name    string
		file    string // JSON file, empty for none
		env     map[string]string
		targets int
		err     string
	}{
		{"none by default", "", nil, 0, ""},
		{"env, comma-separated", "", map[string]string{"CUMULUS_PURGE": "varnish:http://127.0.0.1:6081, varnish:http://10.0.0.2:6081;mode=ban"}, 2, ""},
		{"file list keeps commas inside a target", `{"purge":["varnish:http://v:6081","http:POST https://x/purge;body={\"tags\":{keys_json},\"x\":1}"]}`, nil, 2, ""},
		{"file string", `{"purge":"varnish:http://a:1,varnish:http://b:1"}`, nil, 2, ""},
		{"bad target", "", map[string]string{"CUMULUS_PURGE": "varnish:127.0.0.1:6081"}, 0, "not an http(s) URL"},
		{"bad file type", `{"purge":3}`, nil, 0, "purge must be"},
		{"lease too short", "", map[string]string{"CUMULUS_PURGE_LEASE": "10ms"}, 0, "purge_lease"},
		{"bad metrics address", "", map[string]string{"CUMULUS_METRICS_ADDR": "9100"}, 0, "metrics_addr"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var args []string
			if c.file != "" {
				p := filepath.Join(t.TempDir(), "c.json")
				os.WriteFile(p, []byte(c.file), 0o644)
				args = []string{"--config", p}
			}
			cfg, err := Load(args, env(c.env))
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("Load = %v, want an error with %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			ts, err := cfg.PurgeTargets()
			if err != nil || len(ts) != c.targets {
				t.Fatalf("PurgeTargets = %+v, %v; want %d", ts, err, c.targets)
			}
			if time.Duration(cfg.PurgeLease) != 30*time.Second {
				t.Fatalf("default lease = %s", cfg.PurgeLease)
			}
		})
	}
}
