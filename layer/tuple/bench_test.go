package tuple

import "testing"

// A typical index key: (collection, id, field).
var benchKey = Tuple{"accounts", int64(1234567), "email"}

func BenchmarkPack(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = benchKey.Pack()
	}
}

func BenchmarkAppendPack(b *testing.B) {
	b.ReportAllocs()
	buf := make([]byte, 0, 64)
	for b.Loop() {
		buf, _ = benchKey.AppendPack(buf[:0])
	}
}

func BenchmarkUnpack(b *testing.B) {
	packed := benchKey.Pack()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Unpack(packed); err != nil {
			b.Fatal(err)
		}
	}
}
