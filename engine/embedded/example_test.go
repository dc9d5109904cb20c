package embedded_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"log"

	"github.com/strata-db/strata/engine/embedded"
	"github.com/strata-db/strata/layer"
)

func Example() {
	db, err := embedded.OpenMemory() // or embedded.OpenDir(dir), or layer.Open(ctx, "mem:")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()

	one := binary.LittleEndian.AppendUint64(nil, 1)
	for i := 0; i < 3; i++ {
		_, err := layer.Transact(ctx, db, func(tx layer.Tx) (struct{}, error) {
			tx.Set([]byte("greeting"), []byte("hello"))
			tx.Add([]byte("visits"), one) // an atomic op: no read, no conflict
			return struct{}{}, nil
		})
		if err != nil {
			log.Fatal(err)
		}
	}

	visits, err := layer.ReadTransact(ctx, db, func(tx layer.ReadTx) (uint64, error) {
		v, err := tx.Get([]byte("visits")).Get()
		return binary.LittleEndian.Uint64(v), err
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("visits:", visits)
	// Output: visits: 3
}

// Reads see the transaction's own writes; other transactions see them only
// after the commit.
func Example_readYourWrites() {
	db, err := layer.Open(context.Background(), "mem:")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	tx, _ := db.CreateTransaction()
	tx.Set([]byte("k"), []byte("mine"))
	v, _ := tx.Get([]byte("k")).Get()
	fmt.Printf("own transaction: %s\n", v)

	other, _ := db.CreateTransaction()
	v, _ = other.Get([]byte("k")).Get()
	fmt.Printf("other transaction before commit: %v\n", v)

	if err := tx.Commit(); err != nil {
		log.Fatal(err)
	}
	other.Reset()
	v, _ = other.Get([]byte("k")).Get()
	fmt.Printf("other transaction after commit: %s\n", v)
	// Output:
	// own transaction: mine
	// other transaction before commit: []
	// other transaction after commit: mine
}

// A key written with SetVersionstampedKey gets the commit's versionstamp
// in place of the ten bytes at the offset given by its last four bytes.
func ExampleDB_versionstamps() {
	db, err := embedded.OpenMemory()
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	tx, _ := db.CreateTransaction()
	key := append([]byte("log/"), make([]byte, 10)...)               // placeholder for the stamp
	key = binary.LittleEndian.AppendUint32(key, uint32(len("log/"))) // its offset
	tx.SetVersionstampedKey(key, []byte("event"))
	stamp := tx.GetVersionstamp()
	if err := tx.Commit(); err != nil {
		log.Fatal(err)
	}
	vs, err := stamp.Get()
	if err != nil {
		log.Fatal(err)
	}

	rt, _ := db.CreateTransaction()
	kvs, _ := rt.GetRange(layer.KeyRange{Begin: []byte("log/"), End: []byte("log0")}, layer.RangeOptions{}).Slice()
	fmt.Println(len(kvs), string(kvs[0].Key[:4]), string(kvs[0].Key[4:]) == string(vs), string(kvs[0].Value))
	// Output: 1 log/ true event
}
