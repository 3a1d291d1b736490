package node

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestStopAPIWithRequestsInFlight: the API stops without error, and
// within twice its grace, whether a request in flight ends when its
// context does (a sync waiting on a silent peer) or ignores it; with
// nothing in flight it stops at once.
func TestStopAPIWithRequestsInFlight(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		within  time.Duration
	}{
		{"idle", nil, apiGrace / 2},
		{"a request that ends with its context", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }, apiGrace + apiGrace/2},
		{"a request that ignores its context", func(w http.ResponseWriter, r *http.Request) { time.Sleep(4 * apiGrace) }, 2*apiGrace + apiGrace/2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			must(t, err)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			entered := make(chan struct{})
			srv := &http.Server{BaseContext: func(net.Listener) context.Context { return ctx },
				Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					close(entered)
					tc.handler(w, r)
				})}
			go srv.Serve(ln)
			if tc.handler != nil {
				go http.Get("http://" + ln.Addr().String())
				<-entered
			}
			start := time.Now()
			if err := stopAPI(srv, cancel, slog.New(slog.DiscardHandler)); err != nil {
				t.Errorf("stop: %v", err)
			}
			if took := time.Since(start); took > tc.within {
				t.Errorf("stopped in %v, want within %v", took, tc.within)
			}
		})
	}
}
