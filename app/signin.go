package app

import (
	"context"
	"log/slog"
	"time"

	"callboard"
	"callboard/auth"
	"callboard/catalog"
	"callboard/config"
	"callboard/index"
	"callboard/store"
	"callboard/web"
)

// serveAuth builds sign-in from the auth section and sets the web
// server's Authenticator. Without providers (and outside dev mode) there is
// no sign-in and only backend.auth.externalAccess tokens authenticate. The
// returned function deletes ended sessions hourly until its context ends.
func serveAuth(cfg *config.Config, opts *web.Options, db *store.DB, cat *catalog.Service, log *slog.Logger) (func(context.Context), error) {
	idle := func(context.Context) {}
	ao, err := auth.ReadOptions(cfg)
	if err != nil {
		return nil, err
	}
	ao.Dev, ao.Sessions, ao.Log = opts.Dev, db, log
	ao.Audit = db // the same log servePermissions gives the web server
	ao.Catalog = catalogUsers(cat)
	svc, err := auth.New(ao)
	if err != nil {
		return nil, err
	}
	if !svc.Enabled() {
		return idle, nil
	}
	opts.Auth = svc
	log.Info("sign-in enabled", "providers", svc.Providers(), "environment", ao.Environment)
	if ao.SessionSecret == "" && !opts.Dev {
		log.Warn("auth.session.secret is not set: changing it cannot end sessions; they end at their lifetime, at sign-out or with `callboard sessions revoke`")
	}
	return func(ctx context.Context) {
		t := time.NewTicker(time.Hour)
		defer t.Stop()
		for {
			if n, err := svc.Sweep(ctx); err != nil && ctx.Err() == nil {
				log.Warn("delete ended sessions", "err", err)
			} else if n > 0 {
				log.Info("deleted ended sessions", "count", n)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}, nil
}

// catalogUsers lets the sign-in resolvers find User entities. It reads
// past the caller's permission filter: the person signing in is nobody yet.
func catalogUsers(cat *catalog.Service) auth.Catalog {
	return auth.CatalogFunc(func(ctx context.Context, key, value string) ([]*callboard.Entity, error) {
		f := index.Filter{{{Key: "kind", Values: []string{"user"}}, {Key: key, Values: []string{value}}}}
		es, _, err := cat.Query(catalog.Unfiltered(ctx), index.Query{Filter: f, Limit: 10})
		return es, err
	})
}
