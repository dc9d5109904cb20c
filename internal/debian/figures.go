package debian

import (
	"context"
	"sort"

	"github.com/strata-db/strata/eav"
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/tuplestore"
	"github.com/strata-db/strata/vnstore"
)

// Figures are what each layer holds of the catalog, read back from the
// database.
type Figures struct {
	Documents    int64            // eav documents
	Tuples       int64            // tuplestore tuples
	Versions     int64            // live (package, "version", v) tuples in the vnstore
	Changes      int              // vnstore changes applied
	TextDocs     int64            // documents in the inverted index
	TextTerms    int64            // term occurrences indexed
	Vectors      int64            // vectors in the index
	Blobs        int64            // distinct stanza blobs
	BlobBytes    int64            // their bytes
	Sections     map[string]int64 // kv counters by section (non-zero ones)
	SectionTotal int64
}

// ReadFigures counts what every layer holds, in bounded transactions.
func ReadFigures(ctx context.Context, db layer.DB) (Figures, error) {
	var f Figures
	st, err := OpenStores(ctx, db, false)
	if err != nil {
		return f, err
	}
	// Documents: every id, paged.
	for after := eav.Continuation(nil); ; {
		type page struct {
			n    int64
			next eav.Continuation
		}
		p, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (page, error) {
			cur := st.Docs.Query(tx.Snapshot(), eav.QueryOptions{Limit: 5000, After: after})
			var p page
			for _, err := range cur.All() {
				if err != nil {
					return p, err
				}
				p.n++
			}
			p.next = cur.Continuation()
			return p, nil
		})
		if err != nil {
			return f, err
		}
		f.Documents += p.n
		if p.next == nil {
			break
		}
		after = p.next
	}
	// Tuples and versions: paged pattern queries.
	if f.Tuples, err = countQuery(ctx, db, func(tx layer.ReadTx, after tuplestore.Continuation) *tuplestore.Cursor {
		return st.Tuples.Query(tx.Snapshot(), tuplestore.QueryOptions{Limit: 20000, After: after},
			tuplestore.Pattern{tuplestore.Var("s"), tuplestore.Var("p"), tuplestore.Var("o")})
	}); err != nil {
		return f, err
	}
	if f.Versions, err = countQuery(ctx, db, func(tx layer.ReadTx, after tuplestore.Continuation) *tuplestore.Cursor {
		return st.Versions.Query(tx.Snapshot(), vnstore.QueryOptions{Limit: 20000, After: after},
			tuplestore.Pattern{tuplestore.Var("s"), "version", tuplestore.Var("v")})
	}); err != nil {
		return f, err
	}
	_, err = layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (struct{}, error) {
		var none struct{}
		chs, err := st.Versions.Changes(tx)
		if err != nil {
			return none, err
		}
		f.Changes = 0
		for _, c := range chs {
			if c.State == vnstore.Applied {
				f.Changes++
			}
		}
		ts, err := st.Text.Stats(tx)
		if err != nil {
			return none, err
		}
		f.TextDocs, f.TextTerms = ts.Docs, ts.TotalLength
		vs, err := st.Vectors.Stats(tx)
		if err != nil {
			return none, err
		}
		f.Vectors = vs.Count
		u, err := st.Blobs.Usage(tx)
		if err != nil {
			return none, err
		}
		f.Blobs, f.BlobBytes = u.Blobs, u.BlobBytes
		f.Sections, err = sections(tx, st)
		for _, n := range f.Sections {
			f.SectionTotal += n
		}
		return none, err
	})
	return f, err
}

func countQuery(ctx context.Context, db layer.DB, q func(tx layer.ReadTx, after tuplestore.Continuation) *tuplestore.Cursor) (int64, error) {
	var total int64
	for after := tuplestore.Continuation(nil); ; {
		type page struct {
			n    int64
			next tuplestore.Continuation
		}
		p, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (page, error) {
			cur := q(tx, after)
			var p page
			for _, err := range cur.All() {
				if err != nil {
					return p, err
				}
				p.n++
			}
			p.next = cur.Continuation()
			return p, nil
		})
		if err != nil {
			return total, err
		}
		total += p.n
		if p.next == nil {
			return total, nil
		}
		after = p.next
	}
}

// sections reads the section counters (those not at zero).
func sections(tx layer.ReadTx, st *Stores) (map[string]int64, error) {
	fields, err := st.KV.HGetAll(tx.Snapshot(), SectionsHash)
	if err != nil {
		return nil, err
	}
	m := map[string]int64{}
	for _, fl := range fields {
		c, err := st.KV.Counter(SectionCounter(fl.Name))
		if err != nil {
			return nil, err
		}
		n, err := c.Get(tx.Snapshot())
		if err != nil {
			return nil, err
		}
		if n != 0 {
			m[fl.Name] = n
		}
	}
	return m, nil
}

// Section is a section and its package count.
type Section struct {
	Name     string
	Packages int64
}

// BiggestSections returns the n sections with the most packages.
func BiggestSections(tx layer.ReadTx, st *Stores, n int) ([]Section, error) {
	m, err := sections(tx, st)
	if err != nil {
		return nil, err
	}
	var out []Section
	for k, v := range m {
		out = append(out, Section{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Packages != out[j].Packages {
			return out[i].Packages > out[j].Packages
		}
		return out[i].Name < out[j].Name
	})
	if len(out) > n {
		out = out[:n]
	}
	return out, nil
}
