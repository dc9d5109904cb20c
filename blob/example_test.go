package blob_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"strings"

	"github.com/strata-db/strata/blob"
	_ "github.com/strata-db/strata/engine/embedded" // registers mem:
	"github.com/strata-db/strata/layer"
	"github.com/strata-db/strata/layer/subspace"
	"github.com/strata-db/strata/layer/tuple"
)

// Stream a blob in and out: the Writer and the Reader span as many
// transactions as the blob needs.
func Example() {
	ctx := context.Background()
	db, err := layer.Open(ctx, "mem:")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	store, err := blob.New(subspace.FromTuple(tuple.Tuple{"files"}), blob.Config{})
	if err != nil {
		log.Fatal(err)
	}

	w := store.NewWriter(ctx, db)
	if _, err := io.Copy(w, strings.NewReader(strings.Repeat("all work and no play\n", 100_000))); err != nil {
		log.Fatal(err)
	}
	info, err := w.Commit()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(info.ID)
	fmt.Println(info.Size, "bytes in", info.Chunks, "chunks")

	r, err := store.NewReader(ctx, db, info.ID)
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	r.Seek(-21, io.SeekEnd)
	last, err := io.ReadAll(r)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%q\n", last)
	// Output:
	// 0de2f5cf7da5d4dc4928fca52d0096a062f43038a9e190f014d463b4bcd92f12
	// 2100000 bytes in 33 chunks
	// "all work and no play\n"
}

// Small blobs fit in the caller's transaction, with other layers' writes:
// PutSmall is found's bstore.get_or_create.
func ExampleStore_PutSmall() {
	ctx := context.Background()
	db, err := layer.Open(ctx, "mem:")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	store, err := blob.New(subspace.FromTuple(tuple.Tuple{"avatars"}), blob.Config{})
	if err != nil {
		log.Fatal(err)
	}
	avatar := []byte("\x89PNG...")
	info, err := layer.Transact(ctx, db, func(tx layer.Tx) (blob.Info, error) {
		info, err := store.PutSmall(tx, avatar)
		if err != nil {
			return blob.Info{}, err
		}
		tx.Set([]byte("user/42/avatar"), info.ID[:]) // in the same transaction
		return info, nil
	})
	if err != nil {
		log.Fatal(err)
	}
	got, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) ([]byte, error) {
		ref, err := tx.Get([]byte("user/42/avatar")).Get()
		if err != nil {
			return nil, err
		}
		return store.GetSmall(tx, blob.ID(ref))
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(bytes.Equal(got, avatar), info.Refs)
	// Output:
	// true 1
}

// Deleting drops a reference; the garbage collector frees the chunks no
// blob references any more, in bounded transactions.
func ExampleStore_GC() {
	ctx := context.Background()
	db, err := layer.Open(ctx, "mem:")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	store, err := blob.New(subspace.FromTuple(tuple.Tuple{"files"}), blob.Config{})
	if err != nil {
		log.Fatal(err)
	}
	// 320,000 repetitive bytes: most of their chunks are one chunk, stored once.
	data := bytes.Repeat([]byte("0123456789abcdef"), 20_000)
	a, err := store.Put(ctx, db, bytes.NewReader(data))
	if err != nil {
		log.Fatal(err)
	}
	// A second blob sharing most of its chunks with the first.
	if _, err := store.Put(ctx, db, io.MultiReader(bytes.NewReader(data), strings.NewReader("and a tail"))); err != nil {
		log.Fatal(err)
	}
	usage := func() blob.Usage {
		u, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (blob.Usage, error) { return store.Usage(tx) })
		if err != nil {
			log.Fatal(err)
		}
		return u
	}
	u := usage()
	fmt.Printf("%d blobs, %d bytes; %d chunks, %d bytes stored\n", u.Blobs, u.BlobBytes, u.Chunks, u.ChunkBytes)

	_, err = layer.Transact(ctx, db, func(tx layer.Tx) (int64, error) { return store.Delete(tx, a.ID) })
	if err != nil {
		log.Fatal(err)
	}
	st, err := store.GC(ctx, db, blob.GCOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("freed", st.ChunksDeleted, "chunks")
	u = usage()
	fmt.Printf("%d blobs, %d bytes; %d chunks, %d bytes stored\n", u.Blobs, u.BlobBytes, u.Chunks, u.ChunkBytes)
	// Output:
	// 2 blobs, 640010 bytes; 3 chunks, 181258 bytes stored
	// freed 1 chunks
	// 1 blobs, 320010 bytes; 2 chunks, 123402 bytes stored
}
