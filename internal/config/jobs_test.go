package config

import (
	"strings"
	"testing"
	"time"
)

func TestFetchAndJobKeys(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		bad  string
		want func(Config) bool
	}{
		{"defaults deny and run jobs", nil, "", func(c Config) bool {
			return c.FetchAllow == "" && c.JobConcurrency == 4 && c.FetchTimeout == Duration(time.Minute)
		}},
		{"allow list", map[string]string{"CUMULUS_FETCH_ALLOW": "127.0.0.1/32,10.0.0.0/8"}, "", func(c Config) bool { return c.FetchAllow == "127.0.0.1/32,10.0.0.0/8" }},
		{"no worker", map[string]string{"CUMULUS_JOB_CONCURRENCY": "0"}, "", func(c Config) bool { return c.JobConcurrency == 0 }},
		{"bad allow", map[string]string{"CUMULUS_FETCH_ALLOW": "localhost"}, "fetch_allow", nil},
		{"bad concurrency", map[string]string{"CUMULUS_JOB_CONCURRENCY": "-1"}, "job_concurrency", nil},
		{"bad retry", map[string]string{"CUMULUS_JOB_RETRY_MIN": "1ms"}, "job_retry_min", nil},
	}
	for _, tc := range cases {
		c, err := Load(nil, func(k string) string { return tc.env[k] })
		if tc.bad != "" {
			if err == nil || !strings.Contains(err.Error(), tc.bad) {
				t.Errorf("%s: err = %v, want one naming %s", tc.name, err, tc.bad)
			}
			continue
		}
		if err != nil || !tc.want(c) {
			t.Errorf("%s: %+v, %v", tc.name, c, err)
		}
	}
}
