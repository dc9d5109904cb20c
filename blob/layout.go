package blob

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
)

// The format of the values, versioned by their first element or byte.
const (
	formatVersion = 1
	// entrySize is one manifest entry: the chunk's SHA-256 and its length
	// as a big-endian uint32.
	entrySize = 32 + 4
	// maxPageEntries bounds a manifest page: 1 + 2048*36 = 73,729 bytes,
	// under layer.MaxValueSize.
	maxPageEntries = 2048
)

// Upload (manifest record) states.
const (
	stateActive    = 1 // a Writer is uploading; its lease is renewed by each batch
	statePublished = 2 // published: the blob header owns the manifest
	stateDead      = 3 // given up or deleted: GC releases the manifest
	stateMerged    = 4 // published as a reference to an existing blob: GC releases the manifest
)

// Names of the counters under ("s", name).
const (
	statBlobs      = "blobs"       // published blobs
	statBlobBytes  = "blob_bytes"  // sum of their sizes
	statChunks     = "chunks"      // chunks stored
	statChunkBytes = "chunk_bytes" // sum of their sizes
)

// keys builds the keys of a store; see the key layout in doc.go.
type keys struct {
	ss      subspace.Subspace
	header  subspace.Subspace // ("b", id)            blob header
	refs    subspace.Subspace // ("n", id)            blob reference count
	chunk   subspace.Subspace // ("c", hash)          chunk bytes
	crefs   subspace.Subspace // ("r", hash)          chunk reference count
	page    subspace.Subspace // ("m", manifest, off) manifest page
	record  subspace.Subspace // ("u", manifest)      upload/manifest record
	garbage subspace.Subspace // ("g", hash)          GC candidate
	stat    subspace.Subspace // ("s", name)          store counters
}

func newKeys(ss subspace.Subspace) keys {
	return keys{
		ss:      ss,
		header:  ss.Sub("b"),
		refs:    ss.Sub("n"),
		chunk:   ss.Sub("c"),
		crefs:   ss.Sub("r"),
		page:    ss.Sub("m"),
		record:  ss.Sub("u"),
		garbage: ss.Sub("g"),
		stat:    ss.Sub("s"),
	}
}

func hashKey(s subspace.Subspace, h ID) []byte { return s.MustPack(tuple.Tuple{h[:]}) }

func (k *keys) headerKey(id ID) []byte     { return hashKey(k.header, id) }
func (k *keys) refsKey(id ID) []byte       { return hashKey(k.refs, id) }
func (k *keys) chunkKey(h ID) []byte       { return hashKey(k.chunk, h) }
func (k *keys) chunkRefsKey(h ID) []byte   { return hashKey(k.crefs, h) }
func (k *keys) garbageKey(h ID) []byte     { return hashKey(k.garbage, h) }
func (k *keys) statKey(name string) []byte { return k.stat.MustPack(tuple.Tuple{name}) }
func (k *keys) recordKey(m tuple.UUID) []byte {
	return k.record.MustPack(tuple.Tuple{m})
}

// pagePrefix is the prefix of the pages of manifest m.
func (k *keys) pagePrefix(m tuple.UUID) []byte { return k.page.MustPack(tuple.Tuple{m}) }

// pageKey is the key of the page of manifest m whose first chunk starts at
// offset off of the blob.
func (k *keys) pageKey(m tuple.UUID, off int64) []byte {
	return k.page.MustPack(tuple.Tuple{m, off})
}

// pageRange is every page of manifest m.
func (k *keys) pageRange(m tuple.UUID) layer.KeyRange {
	p := k.pagePrefix(m)
	return layer.KeyRange{Begin: append(bytes.Clone(p), 0x00), End: append(p, 0xff)}
}

// pageOffset decodes the offset of a page key of manifest m.
func (k *keys) pageOffset(m tuple.UUID, key []byte) (int64, error) {
	p := k.pagePrefix(m)
	if !bytes.HasPrefix(key, p) {
		return 0, fmt.Errorf("%w: page key %q outside its manifest", ErrCorrupt, key)
	}
	t, err := tuple.Unpack(key[len(p):])
	if err != nil || len(t) != 1 {
		return 0, fmt.Errorf("%w: page key %q", ErrCorrupt, key)
	}
	off, ok := t[0].(int64)
	if !ok || off < 0 {
		return 0, fmt.Errorf("%w: page key %q", ErrCorrupt, key)
	}
	return off, nil
}

// hashFromKey decodes the hash of a ("x", hash) key under s.
func hashFromKey(s subspace.Subspace, key []byte) (ID, error) {
	t, err := s.Unpack(key)
	if err != nil || len(t) != 1 {
		return ID{}, fmt.Errorf("%w: key %q", ErrCorrupt, key)
	}
	b, ok := t[0].([]byte)
	if !ok || len(b) != len(ID{}) {
		return ID{}, fmt.Errorf("%w: key %q", ErrCorrupt, key)
	}
	return ID(b), nil
}

// header is a published blob's header.
type header struct {
	size     int64
	chunks   int64
	created  time.Time
	manifest tuple.UUID
}

func encodeHeader(h header) []byte {
	return tuple.Tuple{formatVersion, h.size, h.chunks, h.created.UnixNano(), h.manifest}.Pack()
}

// decodeHeader decodes a header value.
func decodeHeader(v []byte) (header, error) {
	t, err := tuple.Unpack(v)
	if err != nil || len(t) < 5 {
		return header{}, fmt.Errorf("%w: blob header %x", ErrCorrupt, v)
	}
	if ver, ok := t[0].(int64); !ok || ver != formatVersion {
		return header{}, fmt.Errorf("%w: blob header of unknown format %v", ErrCorrupt, t[0])
	}
	size, ok1 := t[1].(int64)
	n, ok2 := t[2].(int64)
	created, ok3 := t[3].(int64)
	m, ok4 := t[4].(tuple.UUID)
	if !ok1 || !ok2 || !ok3 || !ok4 || size < 0 || n < 0 || n > size || (size > 0) != (n > 0) {
		return header{}, fmt.Errorf("%w: blob header %x", ErrCorrupt, v)
	}
	return header{size: size, chunks: n, created: time.Unix(0, created), manifest: m}, nil
}

// record is an upload's record: the owner of a manifest that no published
// header owns, or that a Writer may still publish.
type record struct {
	state   int64
	started time.Time
	updated time.Time // the lease runs from here
	size    int64     // bytes written so far
}

func encodeRecord(r record) []byte {
	return tuple.Tuple{formatVersion, r.state, r.started.UnixNano(), r.updated.UnixNano(), r.size}.Pack()
}

func decodeRecord(v []byte) (record, error) {
	t, err := tuple.Unpack(v)
	if err != nil || len(t) < 5 {
		return record{}, fmt.Errorf("%w: upload record %x", ErrCorrupt, v)
	}
	if ver, ok := t[0].(int64); !ok || ver != formatVersion {
		return record{}, fmt.Errorf("%w: upload record of unknown format %v", ErrCorrupt, t[0])
	}
	state, ok1 := t[1].(int64)
	started, ok2 := t[2].(int64)
	updated, ok3 := t[3].(int64)
	size, ok4 := t[4].(int64)
	if !ok1 || !ok2 || !ok3 || !ok4 || state < stateActive || state > stateMerged || size < 0 {
		return record{}, fmt.Errorf("%w: upload record %x", ErrCorrupt, v)
	}
	return record{state: state, started: time.Unix(0, started), updated: time.Unix(0, updated), size: size}, nil
}

// entry is one chunk of a manifest.
type entry struct {
	hash ID
	size uint32
}

// encodePage encodes manifest entries.
func encodePage(es []entry) []byte {
	b := make([]byte, 1, 1+len(es)*entrySize)
	b[0] = formatVersion
	for _, e := range es {
		b = append(b, e.hash[:]...)
		b = binary.BigEndian.AppendUint32(b, e.size)
	}
	return b
}

// decodePage decodes a manifest page: one or more entries whose sizes are
// between 1 and MaxChunkLimit.
func decodePage(v []byte) ([]entry, error) {
	if len(v) == 0 || v[0] != formatVersion {
		return nil, fmt.Errorf("%w: manifest page of unknown format", ErrCorrupt)
	}
	body := v[1:]
	if len(body) == 0 || len(body)%entrySize != 0 || len(body)/entrySize > maxPageEntries {
		return nil, fmt.Errorf("%w: manifest page of %d bytes", ErrCorrupt, len(v))
	}
	es := make([]entry, len(body)/entrySize)
	for i := range es {
		e := body[i*entrySize : (i+1)*entrySize]
		es[i].hash = ID(e[:32])
		es[i].size = binary.BigEndian.Uint32(e[32:])
		if es[i].size == 0 || es[i].size > MaxChunkLimit {
			return nil, fmt.Errorf("%w: manifest entry %d has a chunk of %d bytes", ErrCorrupt, i, es[i].size)
		}
	}
	return es, nil
}

// Counters are 8-byte little-endian two's complement integers, the format
// of the atomic Add.
func counter(n int64) []byte { return binary.LittleEndian.AppendUint64(nil, uint64(n)) }

// decodeCounter reads a counter; an absent key is 0.
func decodeCounter(v []byte) int64 {
	var b [8]byte
	copy(b[:], v)
	return int64(binary.LittleEndian.Uint64(b[:]))
}

var (
	plusOne  = counter(1)
	minusOne = counter(-1)
)
