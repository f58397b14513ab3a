package repo

import (
	"context"
	"fmt"
	"time"

	kopiarepo "github.com/kopia/kopia/repo"
	"github.com/kopia/kopia/repo/compression"
	"github.com/kopia/kopia/repo/format"
	"github.com/kopia/kopia/snapshot/policy"
)

// Corso's repository format. kopia's defaults today, written out so a
// change of defaults in a newer kopia cannot silently change what we make.
const (
	CorsoFormatVersion    = 3
	CorsoKeyDerivation    = "scrypt-65536-8-1"
	CorsoEncryption       = "AES256-GCM-HMAC-SHA256"
	CorsoHash             = "BLAKE2B-256-128"
	CorsoSplitter         = "DYNAMIC-4M-BUZHASH"
	CorsoMaxPackSize      = 20 << 20
	CorsoCompressor       = "zstd-better-compression"
	CorsoMinEpochDuration = 8 * time.Hour
)

func corsoNewRepositoryOptions() *kopiarepo.NewRepositoryOptions {
	return &kopiarepo.NewRepositoryOptions{
		BlockFormat: format.ContentFormat{
			Hash:       CorsoHash,
			Encryption: CorsoEncryption,
			MutableParameters: format.MutableParameters{
				Version:     CorsoFormatVersion,
				MaxPackSize: CorsoMaxPackSize,
			},
		},
		ObjectFormat:                      format.ObjectFormat{Splitter: CorsoSplitter},
		FormatBlockKeyDerivationAlgorithm: CorsoKeyDerivation,
	}
}

// applyCorsoSettings writes what `corso repo init` writes after kopia's
// Initialize: the epoch duration and the global policy.
func applyCorsoSettings(ctx context.Context, dr kopiarepo.DirectRepository) error {
	fm := dr.FormatManager()

	mp, err := fm.GetMutableParameters(ctx)
	if err != nil {
		return err
	}

	if mp.EpochParameters.MinEpochDuration != CorsoMinEpochDuration {
		blobCfg, err := fm.BlobCfgBlob(ctx)
		if err != nil {
			return err
		}

		features, err := fm.RequiredFeatures(ctx)
		if err != nil {
			return err
		}

		mp.EpochParameters.MinEpochDuration = CorsoMinEpochDuration
		if err := fm.SetParameters(ctx, mp, blobCfg, features); err != nil {
			return err
		}
	}

	pol, err := policy.GetDefinedPolicy(ctx, dr, policy.GlobalPolicySourceInfo)
	if err != nil {
		// Corso starts from an empty policy, not kopia's defaults.
		pol = &policy.Policy{}
	}

	if corsoPolicyDifferences(pol) == nil {
		return nil
	}

	pol.CompressionPolicy.CompressorName = compression.Name(CorsoCompressor)
	zero := policy.OptionalInt(0)
	pol.RetentionPolicy.KeepLatest = &zero
	pol.RetentionPolicy.KeepHourly = &zero
	pol.RetentionPolicy.KeepDaily = &zero
	pol.RetentionPolicy.KeepWeekly = &zero
	pol.RetentionPolicy.KeepMonthly = &zero
	pol.RetentionPolicy.KeepAnnual = &zero
	pol.SchedulingPolicy.SetInterval(0)

	return kopiarepo.WriteSession(ctx, dr, kopiarepo.WriteSessionOptions{Purpose: "corso-desktop: Corso settings"}, func(ctx context.Context, w kopiarepo.RepositoryWriter) error {
		return policy.SetPolicy(ctx, w, policy.GlobalPolicySourceInfo, pol)
	})
}

// corsoPolicyDifferences lists how a global policy differs from what Corso
// writes and checks in `repo maintenance`; nil means it matches.
func corsoPolicyDifferences(p *policy.Policy) []string {
	var diffs []string

	if p.CompressionPolicy.CompressorName != compression.Name(CorsoCompressor) {
		diffs = append(diffs, fmt.Sprintf("compression is %q, Corso uses %q", orNone(string(p.CompressionPolicy.CompressorName)), CorsoCompressor))
	}

	r := p.RetentionPolicy
	for _, kv := range []struct {
		name string
		v    *policy.OptionalInt
	}{
		{"keep-latest", r.KeepLatest}, {"keep-hourly", r.KeepHourly}, {"keep-daily", r.KeepDaily},
		{"keep-weekly", r.KeepWeekly}, {"keep-monthly", r.KeepMonthly}, {"keep-annual", r.KeepAnnual},
	} {
		switch {
		case kv.v == nil:
			diffs = append(diffs, kv.name+" is not set, Corso sets 0")
		case *kv.v != 0:
			diffs = append(diffs, fmt.Sprintf("%s is %d, Corso sets 0", kv.name, *kv.v))
		}
	}

	if iv := p.SchedulingPolicy.Interval(); iv != 0 {
		diffs = append(diffs, fmt.Sprintf("snapshots are scheduled every %v, Corso disables scheduling", iv))
	}

	return diffs
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}

	return s
}
