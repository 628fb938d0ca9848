package app

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/sluicehq/sluice/internal/envelope"
	"github.com/sluicehq/sluice/internal/kms"
	"github.com/sluicehq/sluice/internal/kmsbridge"
	"github.com/sluicehq/sluice/internal/store"
)

// openKMS builds the built-in KMS on its own catalog bucket, with key
// material protected by the root key (from config, or a 0600 file created
// in the data directory on first start).
func (a *App) openKMS(ctx context.Context, st *store.Store) (*kms.Service, error) {
	rootKey, err := kms.LoadOrCreateRootKey(filepath.Join(a.cfg.DataDir, kms.RootKeyFileName), a.cfg.KMSRootKey)
	if err != nil {
		return nil, fmt.Errorf("app: kms root key: %w", err)
	}
	bucket, err := st.Bucket(ctx, "sluice_kms")
	if err != nil {
		return nil, err
	}
	k, err := kms.NewService(kms.Config{}, bucket, rootKey, time.Now)
	if err != nil {
		return nil, fmt.Errorf("app: kms: %w", err)
	}
	return k, nil
}

// wireEncryption connects server-side encryption to the KMS and returns
// the sealer the data path stores records with.
func (a *App) wireEncryption(k *kms.Service) *envelope.Sealer {
	bridge := kmsbridge.NewBuiltin(k)
	a.streams.UseKMS(bridge)
	return envelope.New(envelope.Config{}, bridge, a.metrics)
}

// purgeDeletedKeys removes KMS keys whose deletion date has passed, once a
// minute (they already answer "does not exist" before that).
func (a *App) purgeDeletedKeys(ctx context.Context, k *kms.Service) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if _, err := k.PurgeExpired(ctx, now); err != nil && ctx.Err() == nil {
				a.log.Warn("kms purge failed", "err", err)
			}
		}
	}
}
