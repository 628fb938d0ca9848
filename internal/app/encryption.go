package app

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/sluicehq/sluice/internal/envelope"
	"github.com/sluicehq/sluice/internal/firehose"
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

// wireEncryption connects server-side encryption to a KMS and returns the
// sealer the data path stores records with: the built-in KMS k, or, with
// --kms-endpoint, an external KMS-compatible endpoint (the built-in KMS is
// still served on the port for whoever wants it, but SSE does not use it).
func (a *App) wireEncryption(ctx context.Context, k *kms.Service) (*envelope.Sealer, error) {
	var bridge firehose.KMS = kmsbridge.NewBuiltin(k)
	if a.cfg.KMSEndpoint != "" {
		region := a.cfg.KMSRegion
		if region == "" {
			region = a.cfg.Region
		}
		ext, err := kmsbridge.NewExternal(ctx, kmsbridge.ExternalConfig{
			Endpoint:  a.cfg.KMSEndpoint,
			Region:    region,
			AccessKey: a.cfg.KMSAccessKey,
			SecretKey: a.cfg.KMSSecretKey,
		})
		if err != nil {
			return nil, fmt.Errorf("app: external kms: %w", err)
		}
		bridge = ext
		a.log.Info("server-side encryption uses an external KMS", "endpoint", a.cfg.KMSEndpoint, "region", region)
	}
	a.streams.UseKMS(bridge)
	return envelope.New(envelope.Config{}, bridge, a.metrics), nil
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
