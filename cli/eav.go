package cli

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	ucli "github.com/urfave/cli/v3"

	"github.com/strata-db/strata/eav"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/tuple"
)

const eavDescription = `A document store (package eav) holds JSON-like documents: attributes with
values, nested objects flattened to dotted paths ("address.city"), arrays as
multi-valued attributes. Every attribute is indexed unless the store's index
rules say otherwise (see "strata eav index"), and queries combine conditions
on indexed attributes. Stores are registered by name under ("strata",
"catalog"), with their keys under ("strata", "eav", STORE); create, upsert and
index register a store on first use.

Documents are JSON objects, given as an argument or on stdin. JSON has no
bytes, UUIDs or times, and one number type; strata reads and prints them as:
  "text"                         string
  42, -7                         integer (64-bit; unsigned above 2^63-1)
  1.5, 1.0, 1e9                  float: a number with '.' or an exponent
  true, false                    boolean
  [1, "a"]                       list: a multi-valued attribute, in order
  {"a": {"b": 1}}                nested object: the attribute "a.b"
  {"$bytes": "AAH/"}             bytes, in standard base64
  {"$uuid": "0190a1b2-..."}      UUID
  {"$time": "2024-05-01T10:30:00.5Z"}  time (RFC 3339, stored in UTC to the ns)
  {"$float": "NaN"}              NaN, "Inf", "-Inf" (or any number as a float)
null is not a value: delete-fields removes attributes. get prints each
document as one line of JSON in this form, whatever --output says.

Ids: create makes a version 7 UUID unless --id gives one. An ID argument is a
literal: a bare UUID (0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b), an integer (42)
or a quoted string ('"alice"'); ids print the same way.

Conditions of query, each one argument, all of which must hold:
  ATTR=VALUE        equal (numbers by value: 1 matches 1 and 1.0)
  ATTR>=VALUE  ATTR>VALUE  ATTR<=VALUE  ATTR<VALUE
                    compared with values of the same kind (numbers, strings,
                    booleans, UUIDs, times, bytes)
  ATTR=LO..HI       between LO and HI, both included
  ATTR^=PREFIX      a string starting with PREFIX
  ATTR?             has a value
VALUE is JSON when it parses as JSON (30, true, "30", {"$time": "..."}) and
a plain string otherwise: name=alice is the string "alice", age>=30 the
integer 30, name="a..b" a string with two dots. A list attribute matches when
one of its elements does. A condition may also be a JSON object, for
attribute names holding operator characters:
  {"attr": "a=b", "op": ">=", "value": 30}     (op: = >= > <= < ^= between has;
  {"attr": "n", "op": "between", "value": [1, 2]}     between takes [LO, HI])
At least one condition must be on an indexed attribute; with none, query
lists every document. query prints the ids
(--docs: one JSON line per document, {"id": ID, "doc": {...}}); long results
are read in several transactions, each resuming where the one before
stopped, so they are not one snapshot.

drop-field and index --add run store-wide jobs in bounded transactions that
record their progress in the database: interrupted (Ctrl-C, --max-steps),
they resume where they stopped when run again.`

// eavRegistry is where the command line registers its document stores.
var eavRegistry = eav.DefaultRegistry

func eavCommand() *ucli.Command {
	jobFlags := func() []ucli.Flag {
		return []ucli.Flag{
			&ucli.IntFlag{Name: "step-docs", Usage: "examine at most `N` documents per transaction", Value: eav.DefaultStepDocs},
			&ucli.IntFlag{Name: "max-steps", Usage: "stop after `N` transactions (0: run to the end); run again to resume"},
		}
	}
	return &ucli.Command{
		Name:        "eav",
		Usage:       "document stores with field-level writes and indexed queries (found's eavstore)",
		Description: eavDescription,
		Action:      groupAction,
		Commands: []*ucli.Command{
			{
				Name:      "create",
				Usage:     "store new documents and print their ids",
				ArgsUsage: "STORE [DOC]   (DOC on stdin when absent: one or more JSON objects)",
				Flags:     []ucli.Flag{&ucli.StringFlag{Name: "id", Usage: "the document's `ID` instead of a new UUID (one document)"}},
				Action:    eavCreate,
			},
			{
				Name:      "get",
				Usage:     "print documents as JSON lines (null and exit code 4 for absent ones)",
				ArgsUsage: "STORE ID...",
				Action:    eavGet,
			},
			{
				Name:      "replace",
				Usage:     "replace a document (exit code 4 if absent)",
				ArgsUsage: "STORE ID [DOC]",
				Action:    eavReplace,
			},
			{
				Name:      "upsert",
				Usage:     "set attributes of a document, creating it if absent",
				ArgsUsage: "STORE ID [DOC]",
				Action:    eavUpsert,
			},
			{
				Name:      "delete-fields",
				Usage:     "remove attributes (and those under them) from a document",
				ArgsUsage: "STORE ID ATTR...",
				Action:    eavDeleteFields,
			},
			{
				Name:      "delete",
				Usage:     "delete documents (exit code 4 if one was absent)",
				ArgsUsage: "STORE ID...",
				Action:    eavDelete,
			},
			{
				Name:      "query",
				Usage:     "print the ids of the documents matching every condition",
				ArgsUsage: "STORE [COND...]",
				Flags: []ucli.Flag{
					&ucli.IntFlag{Name: "limit", Usage: "print at most `N` documents (0: no limit)"},
					&ucli.BoolFlag{Name: "docs", Usage: "print the documents too, as JSON lines"},
				},
				Action: eavQuery,
			},
			{
				Name:      "drop-field",
				Usage:     "remove an attribute (and those under it) from every document",
				ArgsUsage: "STORE ATTR",
				Flags: append(jobFlags(),
					&ucli.BoolFlag{Name: "prefix", Usage: "remove every attribute whose name starts with ATTR"}),
				Action: eavDropField,
			},
			{
				Name:      "index",
				Usage:     "list a store's index rules, or add (and build) or drop one",
				ArgsUsage: "STORE",
				Description: `Index rules say which attributes are indexed: "*" every attribute (the
default), "name" one attribute, "path.*" every attribute under a path. Rules
may not overlap: to index only some attributes, drop "*" first. --add
declares a rule and builds its entries for the existing documents (a job:
rerun it to resume); --drop removes a rule and its entries.`,
				Flags: append(jobFlags(),
					&ucli.StringFlag{Name: "add", Usage: "declare and build the index `RULE`"},
					&ucli.StringFlag{Name: "drop", Usage: "drop the index `RULE`"}),
				Action: eavIndex,
			},
			eavStores.lsCommand("list the document stores"),
			eavStores.dropCommand("remove a document store and all of its documents"),
		},
	}
}

// eavError gives the layer's errors their exit codes.
func eavError(err error) error {
	if errors.Is(err, eav.ErrNotFound) {
		return withCode(ExitNotFound, err)
	}
	for _, e := range []error{
		eav.ErrExists, eav.ErrID, eav.ErrAttribute, eav.ErrValue, eav.ErrValueTooLarge,
		eav.ErrIndexKeyTooLarge, eav.ErrDocumentTooLarge, eav.ErrQuery, eav.ErrNotIndexed,
		eav.ErrContinuation, eav.ErrIndexRule, eav.ErrNoIndex, eav.ErrJob,
		eav.ErrNoStore, eav.ErrStoreExists, eav.ErrSpec,
	} {
		if errors.Is(err, e) {
			return withCode(ExitUsage, err)
		}
	}
	return err
}

// eavStores are the document stores.
var eavStores = &storeKind[*eav.Store]{
	layer:   "eav",
	errs:    eavError,
	open:    func(tx layer.ReadTx, name string) (*eav.Store, error) { return eav.Open(tx, eavRegistry, name) },
	list:    func(tx layer.ReadTx) ([]*eav.Store, error) { return eav.List(tx, eavRegistry) },
	drop:    func(tx layer.Tx, name string) error { return eav.Drop(tx, eavRegistry, name) },
	columns: []column{{name: "name"}, {name: "prefix"}},
	row:     func(st *eav.Store) []any { return []any{st.Name(), FormatKey(st.Subspace().Bytes())} },
}

// eavOpen reads a store's registration.
func eavOpen(tx layer.ReadTx, name string) (*eav.Store, error) {
	return eavStores.openStore(tx, name)
}

// eavOpenOrCreate opens a store, registering it under its default prefix
// if it is not registered.
func eavOpenOrCreate(tx layer.Tx, name string) (*eav.Store, error) {
	st, err := eav.Open(tx, eavRegistry, name)
	if errors.Is(err, eav.ErrNoStore) {
		st, err = eav.Create(tx, eavRegistry, name, eav.Spec{Subspace: eavStores.defaultSubspace(name)})
	}
	return st, eavError(err)
}

// parseEAVID reads an ID argument: a literal holding one UUID, integer or
// string.
func parseEAVID(s string) (eav.ID, error) {
	t, err := ParseTuple(s)
	if err != nil {
		return nil, usageErrorf("ID %s: %v (a string id is quoted: '\"%s\"')", s, err, strings.Trim(s, `"`))
	}
	if len(t) == 1 {
		switch v := t[0].(type) {
		case tuple.UUID:
			return uuid.UUID(v), nil
		case string, int64, uint64:
			return v, nil
		}
	}
	return nil, usageErrorf("ID %s: want a UUID, an integer or a quoted string", s)
}

// formatEAVID prints an id so that it reads back as an ID argument.
func formatEAVID(id eav.ID) string {
	if u, ok := id.(uuid.UUID); ok {
		return u.String()
	}
	return formatItem(id)
}

// eavStoreAndIDs reads STORE ID...
func eavStoreAndIDs(cmd *ucli.Command) (string, []eav.ID, error) {
	name, first, rest, err := eavStoreAndID(cmd, 0, -1, "STORE ID...")
	if err != nil {
		return "", nil, err
	}
	ids := []eav.ID{first}
	for _, a := range rest {
		id, err := parseEAVID(a)
		if err != nil {
			return "", nil, err
		}
		ids = append(ids, id)
	}
	return name, ids, nil
}

// eavBatches calls fn on ids in batches of eavBatchDocs, one transaction
// each, until fn fails.
func eavBatches(ids []eav.ID, fn func(page []eav.ID) error) error {
	for lo := 0; lo < len(ids); lo += eavBatchDocs {
		if err := fn(ids[lo:min(lo+eavBatchDocs, len(ids))]); err != nil {
			return err
		}
	}
	return nil
}

// eavStoreAndID reads STORE ID [REST...] with rest between minRest and
// maxRest (-1: any).
func eavStoreAndID(cmd *ucli.Command, minRest, maxRest int, names string) (string, eav.ID, []string, error) {
	a := cmd.Args().Slice()
	if len(a) < 2+minRest || maxRest >= 0 && len(a) > 2+maxRest {
		return "", nil, nil, usageErrorf("%s: want %s, got %d argument(s); see %s --help", commandPath(cmd), names, len(a), cmd.FullName())
	}
	id, err := parseEAVID(a[1])
	if err != nil {
		return "", nil, nil, err
	}
	return a[0], id, a[2:], nil
}

// ---- JSON ----

// fromJSON converts a decoded JSON value (numbers as json.Number) to a
// document value: objects to documents, except the typed forms {"$bytes":
// ...}, {"$uuid": ...}, {"$time": ...} and {"$float": ...}.
func fromJSON(v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			for k, w := range x {
				if strings.HasPrefix(k, "$") {
					return typedJSON(k, w)
				}
			}
		}
		d := make(eav.Document, len(x))
		for k, w := range x {
			c, err := fromJSON(w)
			if err != nil {
				return nil, err
			}
			d[k] = c
		}
		return d, nil
	case []any:
		out := make([]any, len(x))
		for i, w := range x {
			c, err := fromJSON(w)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	}
	return v, nil
}

func typedJSON(kind string, v any) (any, error) {
	s, isString := v.(string)
	switch kind {
	case "$bytes":
		if isString {
			if b, err := base64.StdEncoding.DecodeString(s); err == nil {
				return b, nil
			}
		}
		return nil, fmt.Errorf(`{"$bytes": ...} takes a base64 string`)
	case "$uuid":
		if isString {
			if u, err := uuid.Parse(s); err == nil {
				return u, nil
			}
		}
		return nil, fmt.Errorf(`{"$uuid": ...} takes a UUID string, such as "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"`)
	case "$time":
		if isString {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				return t, nil
			}
		}
		return nil, fmt.Errorf(`{"$time": ...} takes an RFC 3339 string, such as "2024-05-01T10:30:00Z"`)
	case "$float":
		switch {
		case s == "NaN":
			return math.NaN(), nil
		case s == "Inf" || s == "+Inf":
			return math.Inf(1), nil
		case s == "-Inf":
			return math.Inf(-1), nil
		}
		if n, ok := v.(json.Number); ok {
			if f, err := n.Float64(); err == nil {
				return f, nil
			}
		}
		return nil, fmt.Errorf(`{"$float": ...} takes a number, "NaN", "Inf" or "-Inf"`)
	}
	return nil, fmt.Errorf("unknown typed value %q (want $bytes, $uuid, $time or $float)", kind)
}

// decodeJSON reads one JSON value from dec.
func decodeJSON(dec *json.Decoder) (any, error) {
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return fromJSON(v)
}

// parseDocs reads JSON objects, one after another, from r.
func parseDocs(r io.Reader, each func(eav.Document) error) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	for n := 1; ; n++ {
		v, err := decodeJSON(dec)
		if err == io.EOF {
			if n == 1 {
				return usageErrorf("no document: give a JSON object as an argument or on stdin")
			}
			return nil
		}
		if err != nil {
			return usageErrorf("document %d: %v", n, err)
		}
		d, ok := v.(eav.Document)
		if !ok {
			return usageErrorf("document %d: want a JSON object, got %s", n, jsonKind(v))
		}
		if err := each(d); err != nil {
			return err
		}
	}
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	}
	return "a number"
}

// oneDoc reads the document of an argument, or of stdin if there is none.
func oneDoc(s *session, rest []string) (eav.Document, error) {
	var r io.Reader = s.stdin
	if len(rest) == 1 && rest[0] != "-" {
		r = strings.NewReader(rest[0])
	}
	var doc eav.Document
	err := parseDocs(r, func(d eav.Document) error {
		if doc != nil {
			return usageErrorf("more than one document")
		}
		doc = d
		return nil
	})
	return doc, err
}

// appendJSON renders a document value as JSON, in the form fromJSON reads.
func appendJSON(b []byte, v any) []byte {
	switch x := v.(type) {
	case eav.Document:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, jsonValue(k)...)
			b = append(b, ':')
			b = appendJSON(b, x[k])
		}
		return append(b, '}')
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, e)
		}
		return append(b, ']')
	case string:
		return append(b, jsonValue(x)...)
	case bool:
		return strconv.AppendBool(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case uint64:
		return strconv.AppendUint(b, x, 10)
	case float64:
		switch {
		case math.IsNaN(x):
			return append(b, `{"$float":"NaN"}`...)
		case math.IsInf(x, 1):
			return append(b, `{"$float":"Inf"}`...)
		case math.IsInf(x, -1):
			return append(b, `{"$float":"-Inf"}`...)
		}
		return append(b, formatFloat(x, 64)...)
	case []byte:
		return append(append(append(b, `{"$bytes":"`...), base64.StdEncoding.EncodeToString(x)...), `"}`...)
	case uuid.UUID:
		return append(append(append(b, `{"$uuid":"`...), x.String()...), `"}`...)
	case time.Time:
		return append(append(append(b, `{"$time":"`...), x.UTC().Format(time.RFC3339Nano)...), `"}`...)
	case nil:
		return append(b, "null"...)
	}
	return append(b, jsonValue(fmt.Sprint(v))...)
}

// ---- commands ----

// eavCreateSplits counts the batches the last create split, for tests.
var eavCreateSplits int

// eavBatchDocs and eavBatchBytes bound the documents create writes per
// transaction when it reads several from stdin.
const (
	eavBatchDocs  = 100
	eavBatchBytes = 1 << 20
)

func eavCreate(ctx context.Context, cmd *ucli.Command) (err error) {
	s, a, err := sessionArgs(cmd, 1, 2, "STORE [DOC]")
	if err != nil {
		return err
	}
	name := a[0]
	var id eav.ID
	if cmd.IsSet("id") {
		if id, err = parseEAVID(cmd.String("id")); err != nil {
			return err
		}
	}
	var r io.Reader = s.stdin
	if len(a) == 2 && a[1] != "-" {
		r = strings.NewReader(a[1])
	}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
	l := newListWriter(s.stdout, s.format, column{name: "id"})
	var batch []eav.Document
	size := 0
	splits := 0
	// write creates docs in one transaction, or in halves if they do not
	// fit in one (index entries can take many times the JSON's size).
	var write func(docs []eav.Document) error
	write = func(docs []eav.Document) error {
		ids, err := writeTx(ctx, s, func(tx layer.Tx) ([]eav.ID, error) {
			st, err := eavOpenOrCreate(tx, name)
			if err != nil {
				return nil, err
			}
			ids := make([]eav.ID, len(docs))
			for i, d := range docs {
				if id != nil {
					ids[i], err = id, st.CreateWithID(tx, id, d)
				} else {
					ids[i], err = st.Create(tx, d)
				}
				if err != nil {
					return nil, eavError(err)
				}
			}
			return ids, nil
		})
		if errors.Is(err, layer.ErrTransactionTooLarge) && len(docs) > 1 {
			splits++
			if err := write(docs[:len(docs)/2]); err != nil {
				return err
			}
			return write(docs[len(docs)/2:])
		}
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := l.Row(formatEAVID(id)); err != nil {
				return err
			}
		}
		return nil
	}
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := write(batch)
		batch, size = batch[:0], 0
		return err
	}
	err = parseDocs(r, func(d eav.Document) error {
		if id != nil && len(batch) > 0 {
			return usageErrorf("--id names one document; stdin holds more")
		}
		batch = append(batch, d)
		size += len(appendJSON(nil, d))
		if len(batch) >= eavBatchDocs || size >= eavBatchBytes {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		l.Flush() // the ids of the documents created before the failure
		return err
	}
	eavCreateSplits = splits
	return l.Close()
}

func eavGet(ctx context.Context, cmd *ucli.Command) (err error) {
	s, err := newSession(cmd)
	if err != nil {
		return err
	}
	name, ids, err := eavStoreAndIDs(cmd)
	if err != nil {
		return err
	}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
	// Pages of ids, one transaction each.
	var out []byte
	var absent []string
	err = eavBatches(ids, func(page []eav.ID) error {
		docs, err := readTx(ctx, s, func(tx layer.ReadTx) ([]eav.Document, error) {
			st, err := eavOpen(tx, name)
			if err != nil {
				return nil, err
			}
			docs, err := st.MultiGet(tx, page)
			return docs, eavError(err)
		})
		if err != nil {
			return err
		}
		for i, d := range docs {
			if d == nil {
				absent = append(absent, formatEAVID(page[i]))
				out = append(out, "null\n"...)
				continue
			}
			out = append(appendJSON(out, d), '\n')
		}
		if _, err := s.stdout.Write(out); err != nil {
			return err
		}
		out = out[:0]
		return nil
	})
	if err != nil {
		return err
	}
	if len(absent) > 0 {
		return withCode(ExitNotFound, fmt.Errorf("store %q has no document %s", name, strings.Join(absent, ", ")))
	}
	return nil
}

// eavWriteDoc runs replace and upsert.
func eavWriteDoc(ctx context.Context, cmd *ucli.Command, create bool, write func(st *eav.Store, tx layer.Tx, id eav.ID, d eav.Document) error) (err error) {
	s, err := newSession(cmd)
	if err != nil {
		return err
	}
	name, id, rest, err := eavStoreAndID(cmd, 0, 1, "STORE ID [DOC]")
	if err != nil {
		return err
	}
	doc, err := oneDoc(s, rest)
	if err != nil {
		return err
	}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
	_, err = writeTx(ctx, s, func(tx layer.Tx) (struct{}, error) {
		open := func() (*eav.Store, error) { return eavOpen(tx, name) }
		if create {
			open = func() (*eav.Store, error) { return eavOpenOrCreate(tx, name) }
		}
		st, err := open()
		if err != nil {
			return struct{}{}, err
		}
		return struct{}{}, eavError(write(st, tx, id, doc))
	})
	return err
}

func eavReplace(ctx context.Context, cmd *ucli.Command) error {
	return eavWriteDoc(ctx, cmd, false, func(st *eav.Store, tx layer.Tx, id eav.ID, d eav.Document) error {
		return st.Replace(tx, id, d)
	})
}

func eavUpsert(ctx context.Context, cmd *ucli.Command) error {
	return eavWriteDoc(ctx, cmd, true, func(st *eav.Store, tx layer.Tx, id eav.ID, d eav.Document) error {
		return st.UpsertFields(tx, id, d)
	})
}

func eavDeleteFields(ctx context.Context, cmd *ucli.Command) (err error) {
	s, err := newSession(cmd)
	if err != nil {
		return err
	}
	name, id, attrs, err := eavStoreAndID(cmd, 1, -1, "STORE ID ATTR...")
	if err != nil {
		return err
	}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
	_, err = writeTx(ctx, s, func(tx layer.Tx) (struct{}, error) {
		st, err := eavOpen(tx, name)
		if err != nil {
			return struct{}{}, err
		}
		return struct{}{}, eavError(st.DeleteFields(tx, id, attrs...))
	})
	return err
}

func eavDelete(ctx context.Context, cmd *ucli.Command) (err error) {
	s, err := newSession(cmd)
	if err != nil {
		return err
	}
	name, ids, err := eavStoreAndIDs(cmd)
	if err != nil {
		return err
	}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
	var absent []string
	err = eavBatches(ids, func(page []eav.ID) error {
		gone, err := writeTx(ctx, s, func(tx layer.Tx) ([]string, error) {
			st, err := eavOpen(tx, name)
			if err != nil {
				return nil, err
			}
			var gone []string
			for _, id := range page {
				existed, err := st.Delete(tx, id)
				if err != nil {
					return nil, eavError(err)
				}
				if !existed {
					gone = append(gone, formatEAVID(id))
				}
			}
			return gone, nil
		})
		if err != nil {
			return err
		}
		absent = append(absent, gone...)
		return nil
	})
	if err != nil {
		return err
	}
	if len(absent) > 0 {
		return withCode(ExitNotFound, fmt.Errorf("store %q had no document %s", name, strings.Join(absent, ", ")))
	}
	return nil
}

// ParseCondition parses a query condition (see the eav command's help):
// ATTR=VALUE, ATTR>=VALUE, ATTR>VALUE, ATTR<=VALUE, ATTR<VALUE,
// ATTR=LO..HI, ATTR^=PREFIX, ATTR?, or a JSON object {"attr": ..., "op":
// ..., "value": ...}.
func ParseCondition(s string) (eav.Cond, error) {
	if strings.HasPrefix(strings.TrimSpace(s), "{") {
		return parseJSONCondition(s)
	}
	i := strings.IndexAny(s, "=<>^?")
	if i <= 0 {
		return eav.Cond{}, fmt.Errorf("condition %q: want ATTR=VALUE, ATTR>=VALUE, ATTR^=PREFIX, ATTR? ...", s)
	}
	attr, rest := s[:i], s[i:]
	if strings.HasSuffix(attr, "!") && rest[0] == '=' {
		return eav.Cond{}, fmt.Errorf("condition %q: != is not supported", s)
	}
	op := rest[:1]
	if len(rest) > 1 && rest[1] == '=' && op != "=" && op != "?" {
		op = rest[:2]
	}
	text := rest[len(op):]
	if op == "=" && strings.HasPrefix(text, "=") {
		text = text[1:] // ==
	}
	switch op {
	case "?":
		if text != "" {
			return eav.Cond{}, fmt.Errorf("condition %q: ATTR? takes no value", s)
		}
		return eav.Has(attr), nil
	case "^":
		return eav.Cond{}, fmt.Errorf("condition %q: the prefix operator is ^=", s)
	case "^=":
		v, err := condValue(text)
		if err != nil {
			return eav.Cond{}, fmt.Errorf("condition %q: %v", s, err)
		}
		return eav.Prefix(attr, v), nil
	case "=":
		if lo, hi, ok := strings.Cut(text, ".."); ok && !isJSON(text) {
			a, err1 := condValue(lo)
			b, err2 := condValue(hi)
			if err := errors.Join(err1, err2); err != nil {
				return eav.Cond{}, fmt.Errorf("condition %q: %v", s, err)
			}
			return eav.Between(attr, a, b), nil
		}
	}
	v, err := condValue(text)
	if err != nil {
		return eav.Cond{}, fmt.Errorf("condition %q: %v", s, err)
	}
	switch op {
	case ">=":
		return eav.Ge(attr, v), nil
	case ">":
		return eav.Gt(attr, v), nil
	case "<=":
		return eav.Le(attr, v), nil
	case "<":
		return eav.Lt(attr, v), nil
	}
	return eav.Eq(attr, v), nil
}

// isJSON reports whether s is one JSON value.
func isJSON(s string) bool {
	dec := json.NewDecoder(strings.NewReader(s))
	var v any
	if dec.Decode(&v) != nil {
		return false
	}
	_, err := dec.Token()
	return err == io.EOF
}

// condValue reads a condition's value: JSON if it is JSON, else the text
// as a string.
func condValue(s string) (any, error) {
	if !isJSON(s) {
		return s, nil
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	v, err := decodeJSON(dec)
	if err != nil {
		return nil, err
	}
	switch v.(type) {
	case nil:
		return nil, fmt.Errorf("null is not a value")
	case eav.Document, []any:
		return nil, fmt.Errorf("%s is not a scalar", s)
	}
	return v, nil
}

func parseJSONCondition(s string) (eav.Cond, error) {
	var c struct {
		Attr  string          `json:"attr"`
		Op    string          `json:"op"`
		Value json.RawMessage `json:"value"`
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return eav.Cond{}, fmt.Errorf("condition %s: %v", s, err)
	}
	if c.Attr == "" {
		return eav.Cond{}, fmt.Errorf(`condition %s: no "attr"`, s)
	}
	value := func() (any, error) {
		if len(c.Value) == 0 {
			return nil, fmt.Errorf(`condition %s: no "value"`, s)
		}
		return condValue(string(c.Value))
	}
	switch c.Op {
	case "has":
		return eav.Has(c.Attr), nil
	case "between":
		var pair []json.RawMessage
		if err := json.Unmarshal(c.Value, &pair); err != nil || len(pair) != 2 {
			return eav.Cond{}, fmt.Errorf(`condition %s: between takes "value": [LO, HI]`, s)
		}
		lo, err1 := condValue(string(pair[0]))
		hi, err2 := condValue(string(pair[1]))
		if err := errors.Join(err1, err2); err != nil {
			return eav.Cond{}, fmt.Errorf("condition %s: %v", s, err)
		}
		return eav.Between(c.Attr, lo, hi), nil
	}
	v, err := value()
	if err != nil {
		return eav.Cond{}, err
	}
	switch c.Op {
	case "=", "==":
		return eav.Eq(c.Attr, v), nil
	case ">=":
		return eav.Ge(c.Attr, v), nil
	case ">":
		return eav.Gt(c.Attr, v), nil
	case "<=":
		return eav.Le(c.Attr, v), nil
	case "<":
		return eav.Lt(c.Attr, v), nil
	case "^=":
		return eav.Prefix(c.Attr, v), nil
	}
	return eav.Cond{}, fmt.Errorf(`condition %s: "op" %q: want = >= > <= < ^= between has`, s, c.Op)
}

// eavPage is what one transaction of a query read.
type eavPage struct {
	ids  []eav.ID
	docs []eav.Document
	next eav.Continuation
}

func eavQuery(ctx context.Context, cmd *ucli.Command) (err error) {
	s, a, err := sessionArgs(cmd, 1, math.MaxInt, "STORE [COND...]")
	if err != nil {
		return err
	}
	name := a[0]
	var conds []eav.Cond
	for _, arg := range a[1:] {
		c, err := ParseCondition(arg)
		if err != nil {
			return usageErrorf("%v", err)
		}
		conds = append(conds, c)
	}
	limit, err := limitFlag(cmd)
	if err != nil {
		return err
	}
	withDocs := cmd.Bool("docs")
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
	l := newListWriter(s.stdout, s.format, column{name: "id"})
	var after eav.Continuation
	err = pages(limit, func(n int) (int, bool, error) {
		p, err := readTx(ctx, s, func(tx layer.ReadTx) (eavPage, error) {
			st, err := eavOpen(tx, name)
			if err != nil {
				return eavPage{}, err
			}
			var p eavPage
			cur := st.Query(tx.Snapshot(), eav.QueryOptions{Limit: n, After: after}, conds...)
			if p.ids, err = collect(cur.All(), n, eavError); err != nil {
				return eavPage{}, err
			}
			p.next = cur.Continuation()
			if withDocs {
				if p.docs, err = st.MultiGet(tx.Snapshot(), p.ids); err != nil {
					return eavPage{}, eavError(err)
				}
			}
			return p, nil
		})
		if err != nil {
			return 0, false, err
		}
		if withDocs {
			var out []byte
			for i, id := range p.ids {
				if p.docs[i] == nil {
					continue // deleted between the query and the read: impossible in one snapshot
				}
				out = append(out, `{"id":`...)
				out = append(out, jsonValue(formatEAVID(id))...)
				out = append(out, `,"doc":`...)
				out = append(appendJSON(out, p.docs[i]), "}\n"...)
			}
			if _, err := s.stdout.Write(out); err != nil {
				return 0, false, err
			}
		} else {
			for _, id := range p.ids {
				if err := l.Row(formatEAVID(id)); err != nil {
					return 0, false, err
				}
			}
		}
		after = p.next
		return len(p.ids), p.next != nil, nil
	})
	if err != nil {
		l.Flush()
		return err
	}
	if withDocs {
		return nil
	}
	return l.Close()
}

var eavJobColumns = []column{{name: "job"}, {name: "done"}, {name: "documents"}, {name: "changed"}, {name: "transactions"}}

// runEAVJob runs a job to its end or to --max-steps.
func runEAVJob(ctx context.Context, cmd *ucli.Command, s *session, st *eav.Store, job eav.Job) error {
	opts := eav.JobOptions{StepDocs: cmd.Int("step-docs"), MaxSteps: cmd.Int("max-steps")}
	if opts.StepDocs < 1 || opts.MaxSteps < 0 {
		return usageErrorf("--step-docs %d, --max-steps %d: want at least 1 and 0 or more", opts.StepDocs, opts.MaxSteps)
	}
	res, err := st.RunJob(ctx, s.ownTxDB(), job, opts)
	if err != nil {
		return eavError(err)
	}
	return writeObject(s.stdout, s.format, eavJobColumns, job.String(), res.Done, res.Docs, res.Changed, res.Steps)
}

func eavDropField(ctx context.Context, cmd *ucli.Command) (err error) {
	s, a, err := sessionArgs(cmd, 2, 2, "STORE ATTR")
	if err != nil {
		return err
	}
	job := eav.Job{Kind: eav.DropField, Arg: a[1]}
	if cmd.Bool("prefix") {
		job.Kind = eav.DropPrefix
	}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
	st, err := eavStores.readStore(ctx, s, a[0])
	if err != nil {
		return err
	}
	return runEAVJob(ctx, cmd, s, st, job)
}

var eavIndexColumns = []column{{name: "rule"}, {name: "ready"}}

func eavIndex(ctx context.Context, cmd *ucli.Command) (err error) {
	s, a, err := sessionArgs(cmd, 1, 1, "STORE")
	if err != nil {
		return err
	}
	add, drop := cmd.String("add"), cmd.String("drop")
	if cmd.IsSet("add") && cmd.IsSet("drop") {
		return usageErrorf("give --add or --drop, not both")
	}
	if err := s.open(ctx); err != nil {
		return err
	}
	defer s.close(&err)
	switch {
	case cmd.IsSet("drop"):
		_, err := writeTx(ctx, s, func(tx layer.Tx) (struct{}, error) {
			st, err := eavOpenOrCreate(tx, a[0])
			if err != nil {
				return struct{}{}, err
			}
			return struct{}{}, eavError(st.DropIndex(tx, drop))
		})
		return err
	case cmd.IsSet("add"):
		// Declare the rule unless it is (a rerun resumes its build).
		st, err := writeTx(ctx, s, func(tx layer.Tx) (*eav.Store, error) {
			st, err := eavOpenOrCreate(tx, a[0])
			if err != nil {
				return nil, err
			}
			rules, err := st.Indexes(tx)
			if err != nil {
				return nil, err
			}
			if !slices.ContainsFunc(rules, func(r eav.Index) bool { return r.Rule == add }) {
				err = eavError(st.AddIndex(tx, add))
			}
			return st, err
		})
		if err != nil {
			return err
		}
		return runEAVJob(ctx, cmd, s, st, eav.Job{Kind: eav.BuildIndex, Arg: add})
	}
	rules, err := readTx(ctx, s, func(tx layer.ReadTx) ([]eav.Index, error) {
		st, err := eavOpen(tx, a[0])
		if err != nil {
			return nil, err
		}
		return st.Indexes(tx)
	})
	if err != nil {
		return err
	}
	l := newListWriter(s.stdout, s.format, eavIndexColumns...)
	for _, r := range rules {
		if err := l.Row(r.Rule, r.Ready); err != nil {
			return err
		}
	}
	return l.Close()
}
