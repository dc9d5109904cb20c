//go:build fdb

// Package fdb is strata's FoundationDB engine: the layer contract (layer.DB,
// layer.Tx) over the official Go bindings,
// github.com/apple/foundationdb/bindings/go/src/fdb, at API version 730
// (FoundationDB 7.3).
//
// # Basics
//
// The package is built only with the fdb build tag, and needs the
// FoundationDB client (libfdb_c and its header) installed, because the
// bindings use cgo:
//
//	go build -tags fdb ./...
//	go test -tags fdb ./engine/fdb/   # with STRATA_FDB_CLUSTER_FILE set
//
// Importing it registers the "fdb" URL scheme with layer.Open:
//
//	import _ "github.com/strata-db/strata/engine/fdb"
//
//	db, err := layer.Open(ctx, "fdb:")                             // default cluster file
//	db, err := layer.Open(ctx, "fdb:/etc/foundationdb/fdb.cluster") // a given one
//
// or call Open with a cluster file path. The default cluster file is the
// one libfdb_c picks: $FDB_CLUSTER_FILE, else ./fdb.cluster, else
// /etc/foundationdb/fdb.cluster on Linux (/usr/local/etc/foundationdb on
// macOS). The client keeps the cluster file up to date when the cluster's
// coordinators change, so it must be writable.
//
// The core types are DB (a database, for any number of goroutines) and
// the transactions it creates, which are the bindings' transactions:
// reads return futures that wrap the bindings' futures, so reads issued
// together run in parallel; GetRange requests its first batch at once and
// streams the rest as All's loop goes; FoundationDB's errors come back as
// layer.Error values with the same codes; OnError is the bindings' OnError,
// so FoundationDB's own backoff and retry rules apply in layer.Transact.
//
// # Caveats
//
// What differs from the embedded engine (engine/embedded), whose behaviour
// is otherwise the same by design:
//
//   - Durability, replication and the versions are the cluster's. Versions
//     advance with the cluster's clock and jump at recoveries; a
//     transaction whose read version is more than five seconds old fails
//     with 1007 as on the embedded engine, but the limit is the cluster's
//     knob.
//   - Errors the embedded engine never produces can occur: 1021
//     (commit_unknown_result, which layer.Transact retries: transactions
//     must be idempotent), 1037, 1038, throttling codes, and codes layer
//     does not name (their message then shows only the number).
//   - A transaction or watch waits for the cluster while it is unreachable;
//     Open does not check that the cluster is up. Bound waits with
//     SetTimeout or with the context given to layer.Transact.
//   - The API version is per process and set once: Open selects 730 and
//     fails with a clear error if other code in the process selected
//     another version first.
//   - DBs opened on the same cluster file share one database of the
//     bindings, closed when the last of them closes. Do not Close a
//     database of the bindings for that cluster file from other code in
//     the same process.
//   - Close cancels the transactions still running; watches already set
//     stay active until they fire or are cancelled.
//   - The client's network thread belongs to the process and is never
//     stopped; a process that opened a DB keeps that thread until it exits.
//   - A panic inside the bindings never reaches the caller: it becomes a
//     *PanicError (matching layer.ErrInternal), returned by the read or
//     Commit, or, for a mutation, by the next read or Commit.
package fdb
