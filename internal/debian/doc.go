// Package debian loads the Debian/Ubuntu package catalog into every strata
// layer: the real data set behind strata import debian and strata demo.
//
// # Input
//
// ParseStanzas reads deb822 paragraphs (dpkg's /var/lib/dpkg/status, apt's
// /var/lib/apt/lists/*_Packages); Open decompresses by suffix: plain, .gz
// (compress/gzip) and .lz4 (the LZ4 frame format, decoded here in a page
// of code, since apt compresses its lists with lz4 and no LZ4 decoder is
// in the module graph). .xz, .bz2 and .zst are refused with an error: they
// would need a dependency. ReadCatalog merges sources by package name: an
// installed package of the dpkg status wins (status stanzas of packages
// not installed are skipped), else the highest version (CompareVersions is
// dpkg's algorithm), else the first read.
//
// # What each layer holds
//
// Every store is registered under the name "debian" (Name), in the default
// registry, so the strata commands of each layer reach it:
//
//	eav      document PACKAGE: every field as a string, Installed-Size and
//	         Size as integers, Stanza-SHA256 (the stanza blob's id);
//	         indexed: Package, Version, Section, Priority, Architecture,
//	         Maintainer, Source, Installed-Size, Size, Status, Origin
//	         (descriptions are too long to be index keys). A field over
//	         90,000 bytes is left to the blob.
//	tuple    n = 3, columns (package, relation, target):
//	         (p, "depends"|"pre-depends"|"recommends"|"suggests"|
//	         "provides"|"conflicts"|"breaks", target) for each alternative
//	         of each clause, target the bare package name (no version, no
//	         ":arch"), so that joins work on names; the tuple's value is the
//	         whole clause, normalised, with its alternatives and version
//	         constraints: (nginx, "recommends", "openssl") = "ssl-cert |
//	         openssl (>= 1)". Two clauses naming one target join their
//	         texts with ", ". Also (p, "section", S) and (p, "maintainer", M).
//	search   name, short and long description
//	vector   bucket "debian", index "packages" (ivf, cosine, 256 dims,
//	         untrained: exact until vector train), Embed of name and
//	         descriptions, metadata section, priority, architecture
//	vn       n = 3: (p, "version", V); see History below
//	kv       counter "section/S" per section (packages in the catalog),
//	         hash "sections" (the names), "import/last" (the last Summary
//	         as JSON), "import/state" while an import runs
//	blob     each stanza as read (PutSmall): one reference per package
//
// # Transactions, idempotence, resumption
//
// Import writes at most Options.Batch packages (200) and BatchBytes
// bytes of stanzas (64,000) per transaction, every layer
// of a package in the same transaction, plus the import's state (kv
// "import/state": the cursor, the last package written, and the running
// counts). A killed import, run again, finds the state and continues after
// the cursor; a package already written with the same stanza (its
// Stanza-SHA256) is skipped, so importing the same catalog twice writes
// nothing, and counters move only with the document in the same commit,
// so they never count twice. Packages stored but absent from the catalog
// are then removed, in batches of at most 100. A package costs 25 to 33
// times its stanza's size in transaction bytes (its document with index
// entries, about 8 tuples in 3 indexes, its postings, a 1 KiB vector, its
// stanza's blob, each key counted with its conflict range): measured on a
// dpkg status of 703 packages (625 KB), batches of 300 KB of stanzas fit
// in 10 MB and of 400 KB do not, so the default of 64 KB of stanzas makes
// transactions of about 2 MB, each committed in well under a second on
// the embedded engine.
//
// # History
//
// An import's version edits go to one vnstore change, created with the
// state and applied in the transaction that ends the import: vn change
// show lists what was added (add), removed (remove) and upgraded (remove
// of the old version, add of the new). A catalog unchanged leaves no
// change (it is abandoned). vnstore bounds a change to 10,000 tuples and
// 9,000,000 estimated bytes, applied in one transaction; an import with
// more edits than that (the first import of a full apt catalog: about
// 63,000 packages) applies the change when the next batch would overflow
// it and continues in a new one, "import debian (part N)".
//
// # Embedding
//
// Embed is a deterministic text embedding in pure Go, no model: hashed
// word and name-trigram features, weighted TF-IDF-like, projected to 256
// dimensions by a fixed seeded random ±1 projection, normalised. See Embed.
package debian
