// Package serve is the HTTP serving loop the example programs share.
package serve

import (
	"context"
	"net"
	"net/http"
	"time"
)

// Serve serves h on ln with sane timeouts until ctx ends, then shuts down
// gracefully (5 s at most).
func Serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: 64 << 10}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// EnvOr returns the variable k from getenv, or def when it is empty.
func EnvOr(getenv func(string) string, k, def string) string {
	if v := getenv(k); v != "" {
		return v
	}
	return def
}
