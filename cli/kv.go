package cli

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	ucli "github.com/urfave/cli/v3"

	"github.com/strata-db/strata/kv"
	"github.com/strata-db/strata/layer"
)

const kvDescription = `A kv store holds versioned values with TTLs, counters, hashes, sorted sets
and leases (package kv). Stores are registered by name in the database,
under ("strata", "catalog"); create keeps a store's keys under
("strata", "kv", STORE) unless --prefix gives another prefix, and records
its default TTL.

Keys, fields, members and names are strings; values are the bytes of the
argument. Every value has a version, the versionstamp of the transaction
that wrote it, printed as 20 hex digits: put prints it, and cas (or put
--if-version) writes only if the key is still at that version. An expired
value reads as absent; sweep removes expired values and idempotency
records in transactions of --batch entries until none is left.

Exit codes: 4 when get, hget, ttl or lease show find nothing, and when a
condition needs a value that is absent (put --xx, cas, del --xx); 1 when a
condition fails otherwise (a version mismatch, put --nx on a live value, a
lease held by another holder or lost).

incr adds to a counter (atomic and conflict-free) and prints its value;
--shards N uses a sharded counter of N shards (give the same N each time).
watch waits until a key's value changes (a put, a delete or a sweep) and
prints the new value; --for bounds the wait (exit code 5 when it ends).

Leases: lease acquire prints the token (the acquiring transaction's
version; it increases with every acquisition); renew and release take the
holder and the token, and fail with exit code 1 once the lease has been
lost.`

// kvRegistry is where the command line registers its kv stores.
var kvRegistry = kv.DefaultRegistry

func kvCommand() *ucli.Command {
	store := func(name, usage, argsUsage string, action ucli.ActionFunc, flags ...ucli.Flag) *ucli.Command {
		return &ucli.Command{Name: name, Usage: usage, ArgsUsage: argsUsage, Action: action, Flags: flags}
	}
	ttlFlag := func(usage string) ucli.Flag { return &ucli.DurationFlag{Name: "ttl", Usage: usage} }
	idemFlag := &ucli.StringFlag{Name: "idempotency-key", Usage: "apply the request once per `KEY` (a retry prints the original result)"}
	return &ucli.Command{
		Name:        "kv",
		Usage:       "versioned key-values with CAS, TTL, counters, hashes, sorted sets and leases",
		Description: kvDescription,
		Action:      groupAction,
		Commands: []*ucli.Command{
			store("create", "register a kv store", "STORE", kvCreate,
				kvStores.prefixFlag(),
				&ucli.DurationFlag{Name: "default-ttl", Usage: "time to live of values put without --ttl (0: none)"}),
			kvStores.lsCommand("list the kv stores"),
			kvStores.dropCommand("remove a kv store and all of its data"),
			store("get", "print a key's value, version and expiry (exit code 4 if there is none)", "STORE KEY", kvGet),
			store("put", "write a value and print its version", "STORE KEY VALUE", kvPut,
				ttlFlag("expire the value after `DURATION` (default: the store's default TTL)"),
				&ucli.BoolFlag{Name: "nx", Usage: "only if the key holds no value"},
				&ucli.BoolFlag{Name: "xx", Usage: "only if the key holds a value"},
				&ucli.StringFlag{Name: "if-version", Usage: "only if the key's value is at `VERSION`"},
				idemFlag),
			store("cas", "write a value if the key is at VERSION, and print the new version", "STORE KEY VERSION VALUE", kvCas,
				ttlFlag("expire the value after `DURATION` (default: the store's default TTL)"), idemFlag),
			store("del", "delete keys and print how many held a value", "STORE KEY...", kvDel,
				&ucli.BoolFlag{Name: "xx", Usage: "fail (exit code 4) unless every key holds a value"},
				&ucli.StringFlag{Name: "if-version", Usage: "only if the key's value is at `VERSION` (one KEY)"},
				idemFlag),
			store("incr", "add DELTA (default 1) to a counter and print its value", "STORE COUNTER [DELTA]", kvIncr,
				&ucli.IntFlag{Name: "shards", Usage: "a sharded counter of `N` shards"}),
			store("ttl", "print when a key's value expires, or set its TTL (DURATION, or none)", "STORE KEY [DURATION|none]", kvTTL),
			store("scan", "list the values, in key order", "STORE", kvScan,
				&ucli.StringFlag{Name: "prefix", Usage: "only keys that start with `PREFIX`"},
				&ucli.IntFlag{Name: "limit", Usage: "print at most `N` values (0: no limit)"}),
			store("sweep", "remove expired values and idempotency records", "STORE", kvSweep,
				&ucli.IntFlag{Name: "batch", Usage: "entries per transaction", Value: kv.DefaultSweepLimit}),
			store("watch", "wait until a key's value changes, and print it", "STORE KEY", kvWatch,
				&ucli.DurationFlag{Name: "for", Usage: "wait at most `DURATION` (0: no limit; exit code 5 when it ends)"}),
			store("hset", "set a field of a hash", "STORE KEY FIELD VALUE", kvHSet),
			store("hget", "print a field of a hash (exit code 4 if there is none)", "STORE KEY FIELD", kvHGet),
			store("hgetall", "list the fields of a hash", "STORE KEY", kvHGetAll),
			store("hdel", "delete fields of a hash and print how many there were", "STORE KEY FIELD...", kvHDel),
			store("zadd", "set a member's score in a sorted set", "STORE KEY SCORE MEMBER", kvZAdd),
			store("zrange", "list members with MIN <= score <= MAX (default all), by score", "STORE KEY [MIN MAX]", kvZRange,
				&ucli.IntFlag{Name: "limit", Usage: "print at most `N` members (0: no limit)"},
				&ucli.BoolFlag{Name: "reverse", Usage: "highest score first"}),
			store("zpop", "remove and print the N (default 1) members with the lowest scores", "STORE KEY [N]", kvZPop,
				&ucli.FloatFlag{Name: "min", Usage: "only members scored at least `SCORE`", Value: math.Inf(-1)},
				&ucli.FloatFlag{Name: "max", Usage: "only members scored at most `SCORE`", Value: math.Inf(1)}),
			{
				Name:   "lease",
				Usage:  "leases with fencing tokens",
				Action: groupAction,
				Commands: []*ucli.Command{
					store("acquire", "take a lease for HOLDER and print its token", "STORE NAME HOLDER", kvLeaseAcquire,
						&ucli.DurationFlag{Name: "ttl", Usage: "hold it for `DURATION`", Value: 30 * time.Second}),
					store("renew", "extend a lease still held", "STORE NAME HOLDER TOKEN", kvLeaseRenew,
						&ucli.DurationFlag{Name: "ttl", Usage: "hold it for `DURATION` from now", Value: 30 * time.Second}),
					store("release", "free a lease still held", "STORE NAME HOLDER TOKEN", kvLeaseRelease),
					store("show", "print a lease's holder (exit code 4 if it is free)", "STORE NAME", kvLeaseShow),
				},
			},
		},
	}
}

// kvError gives the layer's errors their exit codes.
func kvError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, kv.ErrNotFound):
		return withCode(ExitNotFound, err)
	}
	for _, e := range []error{kv.ErrInvalid, kv.ErrKeyTooLarge, kv.ErrValueTooLarge, kv.ErrNoStore, kv.ErrStoreExists, kv.ErrSpec} {
		if errors.Is(err, e) {
			return withCode(ExitUsage, err)
		}
	}
	return err
}

// kvAction is the frame of a command on a store: it checks the argument
// count, opens the database and the store, and runs fn.
func kvAction(minN, maxN int, names string, fn func(ctx context.Context, s *session, st *kv.Store, a []string) error) ucli.ActionFunc {
	return func(ctx context.Context, cmd *ucli.Command) (err error) {
		s, a, err := sessionArgs(cmd, minN, maxN, names)
		if err != nil {
			return err
		}
		if err := s.open(ctx); err != nil {
			return err
		}
		defer s.close(&err)
		st, err := kvStores.readStore(ctx, s, a[0])
		if err != nil {
			return err
		}
		return kvError(fn(ctx, s, st, a[1:]))
	}
}

// kvStores are the kv stores.
var kvStores = &storeKind[*kv.Store]{
	layer:   "kv",
	errs:    kvError,
	open:    func(tx layer.ReadTx, name string) (*kv.Store, error) { return kv.Open(tx, kvRegistry, name, nil) },
	list:    func(tx layer.ReadTx) ([]*kv.Store, error) { return kv.List(tx, kvRegistry) },
	drop:    func(tx layer.Tx, name string) error { return kv.Drop(tx, kvRegistry, name) },
	columns: []column{{name: "name"}, {name: "default_ttl"}, {name: "prefix"}},
	row: func(st *kv.Store) []any {
		return []any{st.Name(), formatTTL(st.Options().DefaultTTL), FormatKey(st.Subspace().Bytes())}
	},
}

var kvCreate = createAction(kvStores, func(cmd *ucli.Command, name string) (spec kv.Spec, err error) {
	if spec.DefaultTTL = cmd.Duration("default-ttl"); spec.DefaultTTL < 0 {
		return spec, usageErrorf("--default-ttl %v: want a positive duration or 0", spec.DefaultTTL)
	}
	spec.Subspace, err = kvStores.subspace(cmd, name)
	return spec, err
}, func(tx layer.Tx, name string, spec kv.Spec) (*kv.Store, error) {
	return kv.Create(tx, kvRegistry, name, spec)
})

func formatTTL(d time.Duration) string {
	if d <= 0 {
		return "none"
	}
	return d.String()
}

func formatExpiry(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func formatScore(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

var kvItemColumns = []column{{name: "key"}, {name: "value"}, {name: "version"}, {name: "expires"}, {name: "value_base64", jsonOnly: true}}

// kvItemValues are the values of kvItemColumns for an item whose version
// prints as version.
func kvItemValues(it kv.Item, version string) []any {
	return []any{it.Key, FormatValue(it.Value), version, formatExpiry(it.Expires), base64.StdEncoding.EncodeToString(it.Value)}
}

func kvGet(ctx context.Context, cmd *ucli.Command) error {
	return kvAction(2, 2, "STORE KEY", func(ctx context.Context, s *session, st *kv.Store, a []string) error {
		it, err := readTx(ctx, s, func(tx layer.ReadTx) (kv.Item, error) { return st.Get(tx, a[0]) })
		if err != nil {
			return err
		}
		return writeObject(s.stdout, s.format, kvItemColumns, kvItemValues(it, it.Version.String())...)
	})(ctx, cmd)
}

// kvWriteResult prints the result of a put or delete.
func kvWriteResult(s *session, w kv.Write, del bool) error {
	v, err := w.Version.Get()
	ver := v.String()
	if errors.Is(err, layer.ErrNoCommitVersion) {
		ver, err = "", nil // a delete that wrote nothing
	}
	if err != nil {
		return err
	}
	if del {
		return writeObject(s.stdout, s.format, []column{{name: "deleted"}, {name: "version"}, {name: "replayed"}}, w.Existed, ver, w.Replayed)
	}
	return writeObject(s.stdout, s.format, []column{{name: "version"}, {name: "replayed"}}, ver, w.Replayed)
}

// kvPutAndPrint puts a value and prints the result.
func kvPutAndPrint(ctx context.Context, s *session, st *kv.Store, key, value string, opts kv.PutOptions) error {
	w, err := writeTx(ctx, s, func(tx layer.Tx) (kv.Write, error) { return st.Put(tx, key, []byte(value), opts) })
	if err != nil {
		return err
	}
	return kvWriteResult(s, w, false)
}

func putOptions(cmd *ucli.Command) (kv.PutOptions, error) {
	opts := kv.PutOptions{IfAbsent: cmd.Bool("nx"), IfPresent: cmd.Bool("xx"), IdempotencyKey: cmd.String("idempotency-key")}
	if cmd.IsSet("ttl") {
		if opts.TTL = cmd.Duration("ttl"); opts.TTL <= 0 {
			return opts, usageErrorf("--ttl %v: want a positive duration", opts.TTL)
		}
	}
	if cmd.IsSet("if-version") {
		v, err := kv.ParseVersion(cmd.String("if-version"))
		if err != nil {
			return opts, usageErrorf("--if-version: %v", err)
		}
		opts.IfMatch = v
	}
	return opts, nil
}

func kvPut(ctx context.Context, cmd *ucli.Command) error {
	opts, err := putOptions(cmd)
	if err != nil {
		return err
	}
	return kvAction(3, 3, "STORE KEY VALUE", func(ctx context.Context, s *session, st *kv.Store, a []string) error {
		return kvPutAndPrint(ctx, s, st, a[0], a[1], opts)
	})(ctx, cmd)
}

func kvCas(ctx context.Context, cmd *ucli.Command) error {
	opts, err := putOptions(cmd)
	if err != nil {
		return err
	}
	return kvAction(4, 4, "STORE KEY VERSION VALUE", func(ctx context.Context, s *session, st *kv.Store, a []string) error {
		v, err := kv.ParseVersion(a[1])
		if err != nil {
			return withCode(ExitUsage, err)
		}
		opts.IfMatch = v
		return kvPutAndPrint(ctx, s, st, a[0], a[2], opts)
	})(ctx, cmd)
}

func kvDel(ctx context.Context, cmd *ucli.Command) error {
	opts := kv.DeleteOptions{IfPresent: cmd.Bool("xx"), IdempotencyKey: cmd.String("idempotency-key")}
	if cmd.IsSet("if-version") {
		v, err := kv.ParseVersion(cmd.String("if-version"))
		if err != nil {
			return usageErrorf("--if-version: %v", err)
		}
		if cmd.NArg() != 2 {
			return usageErrorf("--if-version takes one KEY")
		}
		opts.IfMatch = v
	}
	return kvAction(2, math.MaxInt, "STORE KEY...", func(ctx context.Context, s *session, st *kv.Store, a []string) error {
		w, err := writeTx(ctx, s, func(tx layer.Tx) (kv.Write, error) { return st.DeleteMany(tx, a, opts) })
		if err != nil {
			return err
		}
		return kvWriteResult(s, w, true)
	})(ctx, cmd)
}

func kvIncr(ctx context.Context, cmd *ucli.Command) error {
	return kvAction(2, 3, "STORE COUNTER [DELTA]", func(ctx context.Context, s *session, st *kv.Store, a []string) error {
		delta := int64(1)
		if len(a) == 2 {
			d, err := strconv.ParseInt(a[1], 10, 64)
			if err != nil {
				return usageErrorf("DELTA %q: want an integer", a[1])
			}
			delta = d
		}
		var add func(layer.Tx)
		var get func(layer.ReadTx) (int64, error)
		if cmd.IsSet("shards") {
			c, err := st.ShardedCounter(a[0], cmd.Int("shards"))
			if err != nil {
				return err
			}
			add, get = func(tx layer.Tx) { c.Add(tx, delta) }, c.Get
		} else {
			c, err := st.Counter(a[0])
			if err != nil {
				return err
			}
			add, get = func(tx layer.Tx) { c.Add(tx, delta) }, c.Get
		}
		n, err := writeTx(ctx, s, func(tx layer.Tx) (int64, error) {
			add(tx)
			// A snapshot read sees this transaction's add but adds no
			// conflict: concurrent incrs still never conflict.
			return get(tx.Snapshot())
		})
		if err != nil {
			return err
		}
		return writeObject(s.stdout, s.format, []column{{name: "value"}}, n)
	})(ctx, cmd)
}

func kvTTL(ctx context.Context, cmd *ucli.Command) error {
	return kvAction(2, 3, "STORE KEY [DURATION|none]", func(ctx context.Context, s *session, st *kv.Store, a []string) error {
		if len(a) == 2 {
			ttl := kv.NoExpiry
			if a[1] != "none" {
				d, err := time.ParseDuration(a[1])
				if err != nil || d <= 0 {
					return usageErrorf("DURATION %q: want a positive duration such as 90s, or none", a[1])
				}
				ttl = d
			}
			_, err := writeTx(ctx, s, func(tx layer.Tx) (struct{}, error) { return struct{}{}, st.Expire(tx, a[0], ttl) })
			return err
		}
		it, err := readTx(ctx, s, func(tx layer.ReadTx) (kv.Item, error) { return st.Stat(tx, a[0]) })
		if err != nil {
			return err
		}
		left := "none"
		if !it.Expires.IsZero() {
			left = time.Until(it.Expires).Round(time.Millisecond).String()
		}
		return writeObject(s.stdout, s.format, []column{{name: "key"}, {name: "ttl"}, {name: "expires"}}, it.Key, left, formatExpiry(it.Expires))
	})(ctx, cmd)
}

// kvScanPage is how many records one scan transaction reads.
const kvScanPage = 1000

func kvScan(ctx context.Context, cmd *ucli.Command) error {
	limit, err := limitFlag(cmd)
	if err != nil {
		return err
	}
	return kvAction(1, 1, "STORE", func(ctx context.Context, s *session, st *kv.Store, a []string) error {
		l := newListWriter(s.stdout, s.format, kvItemColumns...)
		opts := kv.ScanOptions{Prefix: cmd.String("prefix"), Limit: kvScanPage}
		printed := 0
		for {
			// Each page is its own snapshot transaction; see the caveats
			// of paged scans.
			p, err := readTx(ctx, s, func(tx layer.ReadTx) (kv.ScanPage, error) { return st.Scan(tx.Snapshot(), opts) })
			if err != nil {
				return err
			}
			for _, it := range p.Items {
				if limit > 0 && printed == limit {
					return l.Close()
				}
				if err := l.Row(kvItemValues(it, it.Version.String())...); err != nil {
					return err
				}
				printed++
			}
			if !p.More {
				return l.Close()
			}
			opts.After = p.Last
		}
	})(ctx, cmd)
}

func kvSweep(ctx context.Context, cmd *ucli.Command) error {
	batch := cmd.Int("batch")
	if batch < 1 {
		return usageErrorf("--batch %d: want 1 or more", batch)
	}
	return kvAction(1, 1, "STORE", func(ctx context.Context, s *session, st *kv.Store, a []string) error {
		var total kv.SweepResult
		txs := 0
		for {
			res, err := writeTx(ctx, s, func(tx layer.Tx) (kv.SweepResult, error) { return st.Sweep(tx, batch) })
			if err != nil {
				return err
			}
			txs++
			total.Values += res.Values
			total.Records += res.Records
			total.Stale += res.Stale
			if !res.More {
				break
			}
		}
		return writeObject(s.stdout, s.format, []column{{name: "values"}, {name: "records"}, {name: "stale"}, {name: "transactions"}},
			total.Values, total.Records, total.Stale, txs)
	})(ctx, cmd)
}

func kvWatch(ctx context.Context, cmd *ucli.Command) error {
	wait := cmd.Duration("for")
	if wait < 0 {
		return usageErrorf("--for %v: want a positive duration or 0", wait)
	}
	return kvAction(2, 2, "STORE KEY", func(ctx context.Context, s *session, st *kv.Store, a []string) error {
		w, err := writeTx(ctx, s, func(tx layer.Tx) (layer.Watch, error) { return st.Watch(tx, a[0]) })
		if err != nil {
			return err
		}
		defer w.Cancel()
		wctx := ctx
		if wait > 0 {
			var cancel context.CancelFunc
			wctx, cancel = context.WithTimeout(ctx, wait)
			defer cancel()
		}
		if err := w.Wait(wctx); err != nil {
			if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
				return withCode(ExitTimeout, fmt.Errorf("watch timed out: %q did not change within %v", a[0], wait))
			}
			return err
		}
		it, err := readTx(ctx, s, func(tx layer.ReadTx) (kv.Item, error) { return st.Get(tx, a[0]) })
		if errors.Is(err, kv.ErrNotFound) {
			it, err = kv.Item{Key: a[0]}, nil
		}
		if err != nil {
			return err
		}
		return writeObject(s.stdout, s.format, kvItemColumns, kvItemValues(it, versionOrEmpty(it))...)
	})(ctx, cmd)
}

func versionOrEmpty(it kv.Item) string {
	if it.Version.IsZero() {
		return ""
	}
	return it.Version.String()
}

func kvHSet(ctx context.Context, cmd *ucli.Command) error {
	return kvAction(4, 4, "STORE KEY FIELD VALUE", func(ctx context.Context, s *session, st *kv.Store, a []string) error {
		_, err := writeTx(ctx, s, func(tx layer.Tx) (struct{}, error) { return struct{}{}, st.HSet(tx, a[0], a[1], []byte(a[2])) })
		return err
	})(ctx, cmd)
}

func kvHGet(ctx context.Context, cmd *ucli.Command) error {
	return kvAction(3, 3, "STORE KEY FIELD", func(ctx context.Context, s *session, st *kv.Store, a []string) error {
		v, err := readTx(ctx, s, func(tx layer.ReadTx) ([]byte, error) { return st.HGet(tx, a[0], a[1]) })
		if err != nil {
			return err
		}
		return writeObject(s.stdout, s.format, valueColumns, FormatValue(v), base64.StdEncoding.EncodeToString(v))
	})(ctx, cmd)
}

func kvHGetAll(ctx context.Context, cmd *ucli.Command) error {
	return kvAction(2, 2, "STORE KEY", func(ctx context.Context, s *session, st *kv.Store, a []string) error {
		fields, err := readTx(ctx, s, func(tx layer.ReadTx) ([]kv.Field, error) { return st.HGetAll(tx, a[0]) })
		if err != nil {
			return err
		}
		l := newListWriter(s.stdout, s.format, column{name: "field"}, column{name: "value"}, column{name: "value_base64", jsonOnly: true})
		for _, f := range fields {
			if err := l.Row(f.Name, FormatValue(f.Value), base64.StdEncoding.EncodeToString(f.Value)); err != nil {
				return err
			}
		}
		return l.Close()
	})(ctx, cmd)
}

func kvHDel(ctx context.Context, cmd *ucli.Command) error {
	return kvAction(3, math.MaxInt, "STORE KEY FIELD...", func(ctx context.Context, s *session, st *kv.Store, a []string) error {
		n, err := writeTx(ctx, s, func(tx layer.Tx) (int, error) { return st.HDel(tx, a[0], a[1:]...) })
		if err != nil {
			return err
		}
		return writeObject(s.stdout, s.format, []column{{name: "deleted"}}, n)
	})(ctx, cmd)
}

func parseScore(what, s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) {
		return 0, usageErrorf("%s %q: want a number (inf and -inf allowed)", what, s)
	}
	return f, nil
}

func kvZAdd(ctx context.Context, cmd *ucli.Command) error {
	return kvAction(4, 4, "STORE KEY SCORE MEMBER", func(ctx context.Context, s *session, st *kv.Store, a []string) error {
		score, err := parseScore("SCORE", a[1])
		if err != nil {
			return err
		}
		added, err := writeTx(ctx, s, func(tx layer.Tx) (bool, error) { return st.ZAdd(tx, a[0], a[2], score) })
		if err != nil {
			return err
		}
		return writeObject(s.stdout, s.format, []column{{name: "added"}}, added)
	})(ctx, cmd)
}

var kvScoredColumns = []column{{name: "member"}, {name: "score"}}

func kvScoredList(s *session, members []kv.Scored) error {
	l := newListWriter(s.stdout, s.format, kvScoredColumns...)
	for _, m := range members {
		if err := l.Row(m.Member, formatScore(m.Score)); err != nil {
			return err
		}
	}
	return l.Close()
}

func kvZRange(ctx context.Context, cmd *ucli.Command) error {
	limit, err := limitFlag(cmd)
	if err != nil {
		return err
	}
	return kvAction(2, 4, "STORE KEY [MIN MAX]", func(ctx context.Context, s *session, st *kv.Store, a []string) error {
		lo, hi := math.Inf(-1), math.Inf(1)
		switch len(a) {
		case 2:
			return usageErrorf("zrange: give both MIN and MAX, or neither")
		case 3:
			var err error
			if lo, err = parseScore("MIN", a[1]); err != nil {
				return err
			}
			if hi, err = parseScore("MAX", a[2]); err != nil {
				return err
			}
		}
		members, err := readTx(ctx, s, func(tx layer.ReadTx) ([]kv.Scored, error) {
			return st.ZRangeByScore(tx, a[0], lo, hi, kv.ZRangeOptions{Limit: limit, Reverse: cmd.Bool("reverse")})
		})
		if err != nil {
			return err
		}
		return kvScoredList(s, members)
	})(ctx, cmd)
}

func kvZPop(ctx context.Context, cmd *ucli.Command) error {
	return kvAction(2, 3, "STORE KEY [N]", func(ctx context.Context, s *session, st *kv.Store, a []string) error {
		n := 1
		if len(a) == 2 {
			var err error
			if n, err = strconv.Atoi(a[1]); err != nil || n < 1 {
				return usageErrorf("N %q: want a positive integer", a[1])
			}
		}
		lo, hi := cmd.Float("min"), cmd.Float("max")
		members, err := writeTx(ctx, s, func(tx layer.Tx) ([]kv.Scored, error) { return st.ZPopByScore(tx, a[0], lo, hi, n) })
		if err != nil {
			return err
		}
		return kvScoredList(s, members)
	})(ctx, cmd)
}

var kvLeaseColumns = []column{{name: "name"}, {name: "holder"}, {name: "token"}, {name: "expires"}}

func kvLeaseObject(s *session, l kv.Lease) error {
	return writeObject(s.stdout, s.format, kvLeaseColumns, l.Name, l.Holder, l.Token.String(), formatExpiry(l.Expires))
}

func kvLeaseAcquire(ctx context.Context, cmd *ucli.Command) error {
	return kvAction(3, 3, "STORE NAME HOLDER", func(ctx context.Context, s *session, st *kv.Store, a []string) error {
		f, err := writeTx(ctx, s, func(tx layer.Tx) (layer.Future[kv.Lease], error) {
			return st.Acquire(tx, a[0], a[1], cmd.Duration("ttl"))
		})
		if err != nil {
			return err
		}
		l, err := f.Get()
		if err != nil {
			return err
		}
		return kvLeaseObject(s, l)
	})(ctx, cmd)
}

// leaseArgs reads NAME HOLDER TOKEN.
func leaseArgs(a []string) (kv.Lease, error) {
	tok, err := kv.ParseVersion(a[2])
	if err != nil {
		return kv.Lease{}, withCode(ExitUsage, err)
	}
	return kv.Lease{Name: a[0], Holder: a[1], Token: tok}, nil
}

func kvLeaseRenew(ctx context.Context, cmd *ucli.Command) error {
	return kvAction(4, 4, "STORE NAME HOLDER TOKEN", func(ctx context.Context, s *session, st *kv.Store, a []string) error {
		l, err := leaseArgs(a)
		if err != nil {
			return err
		}
		l, err = writeTx(ctx, s, func(tx layer.Tx) (kv.Lease, error) { return st.Renew(tx, l, cmd.Duration("ttl")) })
		if err != nil {
			return err
		}
		return kvLeaseObject(s, l)
	})(ctx, cmd)
}

func kvLeaseRelease(ctx context.Context, cmd *ucli.Command) error {
	return kvAction(4, 4, "STORE NAME HOLDER TOKEN", func(ctx context.Context, s *session, st *kv.Store, a []string) error {
		l, err := leaseArgs(a)
		if err != nil {
			return err
		}
		_, err = writeTx(ctx, s, func(tx layer.Tx) (struct{}, error) { return struct{}{}, st.Release(tx, l) })
		return err
	})(ctx, cmd)
}

func kvLeaseShow(ctx context.Context, cmd *ucli.Command) error {
	return kvAction(2, 2, "STORE NAME", func(ctx context.Context, s *session, st *kv.Store, a []string) error {
		l, err := readTx(ctx, s, func(tx layer.ReadTx) (kv.Lease, error) { return st.CurrentLease(tx, a[0]) })
		if err != nil {
			return err
		}
		return kvLeaseObject(s, l)
	})(ctx, cmd)
}
