package kv

import "github.com/strata-db/strata/layer"

// Consistency is how a read relates to the transaction's commit. It maps
// onto FoundationDB's two kinds of reads and nothing else: there is no
// "eventual" or "stale" level, because every read of a transaction sees
// the database at its read version.
type Consistency int

const (
	// Strict reads add a read conflict range: the transaction commits only
	// if nothing it read changed before its commit (strict
	// serializability). It is the default.
	Strict Consistency = iota
	// Snapshot reads see the same read version but add no conflict range:
	// writes committed after it do not make the transaction fail, so the
	// values may be out of date by the time it commits. Use it for reads
	// that inform nothing the transaction writes (a dashboard, a scan).
	Snapshot
)

// String names the consistency.
func (c Consistency) String() string {
	if c == Snapshot {
		return "snapshot"
	}
	return "strict"
}

// Of returns tx read at consistency c: tx itself for Strict,
// tx.Snapshot() for Snapshot. Pass the result to Get, GetMany, Scan,
// Counter.Get and the other read functions.
func (c Consistency) Of(tx layer.ReadTx) layer.ReadTx {
	if c == Snapshot {
		return tx.Snapshot()
	}
	return tx
}
