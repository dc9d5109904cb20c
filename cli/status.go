package cli

import (
	"context"
	"path/filepath"

	ucli "github.com/urfave/cli/v3"

	"github.com/strata-db/strata/layer"
)

func statusCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "status",
		Usage: "print the engine, location, read version, size and key count",
		Description: `status prints the database's engine (the URL scheme) and location, the
current read version, the engine's estimate of the bytes stored in the user
key space ("" to "\xff") and the number of keys there, counted in pages of
10,000 keys per transaction.`,
		Action: status,
	}
}

var statusColumns = []column{
	{name: "engine"}, {name: "location"}, {name: "read_version"},
	{name: "estimated_size_bytes"}, {name: "key_count"},
}

func status(ctx context.Context, cmd *ucli.Command) (err error) {
	s, _, err := sessionArgs(cmd, 0, 0, "no arguments")
	if err != nil {
		return err
	}
	scheme, location := layer.ParseURL(s.url)
	if scheme == "file" {
		if abs, err := filepath.Abs(location); err == nil {
			location = abs
		}
	}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
	all := layer.KeyRange{Begin: []byte{}, End: layer.SystemKeyPrefix}
	type info struct{ version, size int64 }
	in, err := readTx(ctx, s, func(tx layer.ReadTx) (info, error) {
		v := tx.GetReadVersion()
		sz := tx.GetEstimatedRangeSizeBytes(all)
		var in info
		var err error
		if in.version, err = v.Get(); err != nil {
			return info{}, err
		}
		if in.size, err = sz.Get(); err != nil {
			return info{}, err
		}
		return in, nil
	})
	if err != nil {
		return err
	}
	n, err := s.count(ctx, all)
	if err != nil {
		return err
	}
	return writeObject(s.stdout, s.format, statusColumns, scheme, location, in.version, in.size, n)
}
