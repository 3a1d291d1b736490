package node

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"
)

// API requests in flight when the daemon stops get apiGrace to finish as
// they are; then their contexts are cancelled (a sync waiting on a
// silent peer, a join looking for the inviter, a large export end early,
// as the member stopping the daemon asked) and they get apiGrace again;
// then their connections are closed. Neither is an error of the stop:
// the daemon exits 0 (systemd would otherwise mark a stop asked for as a
// failure).
const apiGrace = 2 * time.Second

// stopAPI shuts srv down as above; cancelRequests ends the contexts of
// the requests it serves.
func stopAPI(srv *http.Server, cancelRequests context.CancelFunc, log *slog.Logger) error {
	shutdown := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), apiGrace)
		defer cancel()
		return srv.Shutdown(ctx)
	}
	err := shutdown()
	if !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	cancelRequests()
	if err = shutdown(); !errors.Is(err, context.DeadlineExceeded) {
		if err == nil {
			log.Info("API requests still running at stop were cut short")
		}
		return err
	}
	log.Warn("API requests still running at stop did not end when asked: their connections are closed")
	return srv.Close()
}
