package main

import (
	"net/http"
	"net/http/pprof"
)

// pprofMux serves Go's profiler; enabled by CUMULUS_PPROF=host:port.
func pprofMux() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("/debug/pprof/", pprof.Index)
	m.HandleFunc("/debug/pprof/profile", pprof.Profile)
	m.HandleFunc("/debug/pprof/heap", pprof.Handler("heap").ServeHTTP)
	return m
}
