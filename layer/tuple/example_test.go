package tuple_test

import (
	"encoding/binary"
	"fmt"

	"github.com/strata-db/strata/layer/tuple"
)

func ExampleTuple_Pack() {
	key := tuple.Tuple{"users", int64(42), []byte{0x00, 0x01}, nil}.Pack()
	fmt.Printf("%x\n", key)

	t, err := tuple.Unpack(key)
	if err != nil {
		panic(err)
	}
	fmt.Println(t)
	fmt.Printf("%T %T %T %T\n", t[0], t[1], t[2], t[3])
	// Output:
	// 02757365727300152a0100ff010000
	// ("users", 42, b"\x00\x01", <nil>)
	// string int64 []uint8 <nil>
}

func ExampleUnpack() {
	t, err := tuple.Unpack([]byte{0x02, 'i', 'd', 0x00, 0x13, 0xfe, 0x05, 0x27, 0x00})
	if err != nil {
		panic(err)
	}
	fmt.Println(t)

	_, err = tuple.Unpack([]byte{0x02, 'i', 'd'})
	fmt.Println(err)
	// Output:
	// ("id", -1, (true))
	// tuple: malformed encoding: string at offset 0 has no terminator
}

func ExampleTuple_PackWithVersionstamp() {
	prefix := []byte("log/")
	t := tuple.Tuple{"event", tuple.IncompleteVersionstamp(7)}
	key, err := t.PackWithVersionstamp(prefix)
	if err != nil {
		panic(err)
	}
	// The last four bytes give the little-endian offset of the ten bytes
	// the database fills in with the commit version.
	body := key[:len(key)-4]
	offset := binary.LittleEndian.Uint32(key[len(key)-4:])
	fmt.Printf("%x\n", body)
	fmt.Println(offset, fmt.Sprintf("%x", body[offset:offset+10]))

	_, err = tuple.Tuple{"no versionstamp"}.PackWithVersionstamp(prefix)
	fmt.Println(err)
	// Output:
	// 6c6f672f026576656e740033ffffffffffffffffffff0007
	// 12 ffffffffffffffffffff
	// tuple: no incomplete versionstamp in tuple
}

func ExampleTuple_PackChecked() {
	_, err := tuple.Tuple{"ok", struct{}{}}.PackChecked()
	fmt.Println(err)
	// Output:
	// tuple: unsupported element type: element 1 (depth 0) has type struct {}
}
