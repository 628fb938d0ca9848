package app

import (
	"net/http"
	"net/http/pprof"
)

// registerPprof serves Go's profiling endpoints (--pprof). They are
// registered on the app's own mux, never on http.DefaultServeMux, so they
// exist only when asked for.
func registerPprof(mux *http.ServeMux) {
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
}
