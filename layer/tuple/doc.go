// Package tuple implements the FoundationDB tuple encoding in pure Go.
//
// A tuple is an ordered list of typed values (strings, integers, UUIDs,
// nested tuples and so on). Packing turns it into a byte string whose
// unsigned lexicographic order is the natural order of the tuples: element
// by element, with a tuple sorting before any longer tuple it is a prefix
// of. That makes packed tuples good keys for an ordered key-value store,
// because range scans over a tuple prefix return rows in tuple order.
//
// The output is byte-for-byte the same as that of the official Go bindings
// (github.com/apple/foundationdb/bindings/go/src/fdb/tuple), and the API
// follows theirs: Tuple, Pack, Unpack, PackWithVersionstamp,
// HasIncompleteVersionstamp, UUID, Versionstamp and IncompleteVersionstamp
// behave as FoundationDB users expect. This package does not import the
// bindings and needs no cgo.
//
// # Encoding
//
// Every element starts with a one-byte type code:
//
//	Code       Go type (packing)                        Payload
//	0x00       nil                                      none; 0x00 0xFF inside a nested tuple
//	0x01       []byte, KeyConvertible, named []byte     bytes with 0x00 escaped as 0x00 0xFF, then 0x00
//	0x02       string                                   as 0x01 (the string's bytes are written as is)
//	0x05       Tuple                                    the nested elements, then 0x00
//	0x0b       *big.Int, big.Int below -(2^64-1)        length byte XOR 0xFF, one's complement of magnitude
//	0x0c-0x13  negative integers of 8..1 bytes          one's complement of the magnitude, big-endian
//	0x14       zero                                     none
//	0x15-0x1c  positive integers of 1..8 bytes          magnitude, big-endian
//	0x1d       *big.Int, big.Int above 2^64-1           length byte, magnitude (9..255 bytes)
//	0x20       float32                                  IEEE bits, big-endian, transformed (see below)
//	0x21       float64                                  IEEE bits, big-endian, transformed
//	0x26       false                                    none
//	0x27       true                                     none
//	0x30       UUID, github.com/google/uuid.UUID        16 bytes
//	0x33       Versionstamp                             10-byte transaction version, 2-byte user version
//
// Integers of every Go integer kind (int, int8..int64, uint, uint8..uint64),
// *big.Int and big.Int share the integer codes and always use the shortest
// one, so equal numbers encode identically whatever their Go type. Floating
// point numbers are stored with the sign bit flipped when positive and all
// bits flipped when negative, which makes the bytes sort in IEEE total
// order: negative NaNs, -Inf, negative numbers, -0, +0, positive numbers,
// +Inf, positive NaNs. float32 and float64 have distinct codes, so every
// float32 sorts before every float64, and both after all integers.
//
// Across types, elements sort by type code: nil, byte strings, strings,
// nested tuples, integers, float32, float64, false, true, UUIDs,
// versionstamps.
//
// # Versionstamps
//
// A Versionstamp whose transaction version is not yet known is created with
// IncompleteVersionstamp. PackWithVersionstamp packs a tuple holding exactly
// one of them and appends the little-endian uint32 offset of its transaction
// version, the layout the database's SetVersionstampedKey mutation expects
// (API version 520 and later). Plain Pack refuses incomplete versionstamps.
//
// # Errors and panics
//
// Pack panics when given something it cannot encode, as the official
// bindings do: an element type not listed above, an integer wider than 255
// bytes, a nested tuple that contains itself, or an incomplete versionstamp.
// PackChecked, AppendPack and PackWithVersionstamp report the same problems
// as errors instead, and Unpack reports bad input as ErrMalformed; none of
// them panics. All errors wrap the package's sentinel values, so test them
// with errors.Is.
//
// # Caveats
//
//   - Unpack normalises types: integers come back as int64 when they fit,
//     as uint64 when they exceed math.MaxInt64 but fit in 64 bits, and as
//     *big.Int otherwise; byte-string-like values come back as []byte
//     (nil when empty), google/uuid values as UUID.
//   - The decoder accepts non-canonical integer encodings the way the
//     official one does. A value written with a longer code than needed
//     decodes to its numeric value, but a zero written as, say, 0x15 0x00
//     comes back as uint64(0), and anything written with the 0x1d code (or
//     0x0b, apart from math.MinInt64) comes back as *big.Int even if it is
//     small. Re-packing such a tuple yields the canonical, shorter bytes, so
//     only canonical encodings survive an Unpack/Pack round trip byte for
//     byte.
//   - -0.0 and +0.0 are different values to this encoding: they pack to
//     different bytes and -0.0 sorts first. NaN bit patterns, payload and
//     sign included, are preserved in both directions; NaNs with different
//     payloads are different keys.
//   - Strings are not checked for UTF-8 validity in either direction, and a
//     string and a []byte with the same contents are different keys.
//   - Unpack is stricter than the official decoder in one respect: input
//     that ends inside a byte string or a nested tuple is rejected as
//     ErrMalformed, whereas the official code panics or silently accepts
//     some such truncated inputs.
package tuple
