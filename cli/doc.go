// Package cli is the strata command line: an urfave/cli v3 command tree
// that parses arguments, calls the layer functions and prints the results.
// It holds no data-model logic of its own.
//
// # Basics
//
// NewCommand builds the tree with the streams it uses, so that tests run it
// in process against their own buffers; Run runs it and turns the outcome
// into an exit code, printing any error to stderr as one line starting with
// "strata: ". cmd/strata is main around Run; it links in the engines (the
// embedded one always, FoundationDB's with -tags fdb), which register their
// URL schemes with layer.Register. This package imports no engine.
//
// The commands:
//
//	strata raw get KEY
//	strata raw set KEY VALUE            (--value-literal, --value-file FILE)
//	strata raw clear KEY                (--range BEGIN END, --prefix KEY)
//	strata raw clear-range BEGIN END
//	strata raw range BEGIN END          (--prefix KEY, --limit N, --reverse)
//	strata raw count BEGIN END          (--prefix KEY)
//	strata raw export [BEGIN END]       (--prefix KEY, --out FILE)
//	strata raw import                   (--in FILE, --check)
//	strata tuple create STORE           (--columns NAME,... | --n N, --prefix KEY)
//	strata tuple ls
//	strata tuple drop STORE
//	strata tuple add STORE ITEM...      (--value VALUE, --value-literal)
//	strata tuple remove STORE ITEM...
//	strata tuple get STORE ITEM...      (--value-literal)
//	strata tuple query STORE PATTERN... (--limit N)
//	strata vn create STORE              (--columns NAME,... | --n N, --prefix KEY)
//	strata vn ls
//	strata vn drop STORE
//	strata vn change create STORE       (--message MSG)
//	strata vn change message STORE CHANGE MESSAGE
//	strata vn change apply STORE CHANGE
//	strata vn change abandon STORE CHANGE
//	strata vn change rebase STORE CHANGE
//	strata vn change list STORE
//	strata vn change show STORE CHANGE
//	strata vn add STORE CHANGE ITEM...
//	strata vn remove STORE CHANGE ITEM...
//	strata vn ask STORE ITEM...         (--as-of CHANGE | --pending CHANGE)
//	strata vn query STORE PATTERN...    (--as-of CHANGE | --pending CHANGE, --limit N)
//	strata vn history STORE ITEM...     (--as-of CHANGE)
//	strata kv create STORE              (--prefix KEY, --default-ttl DURATION)
//	strata kv ls
//	strata kv drop STORE
//	strata kv get STORE KEY
//	strata kv put STORE KEY VALUE       (--ttl D, --nx, --xx, --if-version V, --idempotency-key K)
//	strata kv cas STORE KEY VERSION VALUE (--ttl D, --idempotency-key K)
//	strata kv del STORE KEY...          (--xx, --if-version V, --idempotency-key K)
//	strata kv incr STORE COUNTER [DELTA] (--shards N)
//	strata kv ttl STORE KEY [DURATION|none]
//	strata kv scan STORE                (--prefix P, --limit N)
//	strata kv sweep STORE               (--batch N)
//	strata kv watch STORE KEY           (--for DURATION)
//	strata kv hset|hget|hgetall|hdel STORE KEY [FIELD [VALUE]]...
//	strata kv zadd STORE KEY SCORE MEMBER
//	strata kv zrange STORE KEY [MIN MAX] (--limit N, --reverse)
//	strata kv zpop STORE KEY [N]        (--min SCORE, --max SCORE)
//	strata kv lease acquire STORE NAME HOLDER        (--ttl D)
//	strata kv lease renew|release STORE NAME HOLDER TOKEN
//	strata kv lease show STORE NAME
//	strata blob create STORE            (--prefix KEY, --avg-chunk BYTES)
//	strata blob ls [STORE]              (--limit N)
//	strata blob drop STORE
//	strata blob put STORE [FILE | -]
//	strata blob get STORE ID            (--out FILE)
//	strata blob stat STORE [ID]
//	strata blob rm STORE ID...
//	strata blob gc STORE                (--lease DURATION)
//	strata eav create STORE [DOC]       (--id ID; DOC or stdin: JSON objects)
//	strata eav get STORE ID...
//	strata eav replace STORE ID [DOC]
//	strata eav upsert STORE ID [DOC]
//	strata eav delete-fields STORE ID ATTR...
//	strata eav delete STORE ID...
//	strata eav query STORE [COND...]    (--limit N, --docs)
//	strata eav drop-field STORE ATTR    (--prefix, --step-docs N, --max-steps N)
//	strata eav index STORE              (--add RULE | --drop RULE, --step-docs N, --max-steps N)
//	strata eav ls
//	strata eav drop STORE
//	strata search create STORE          (--prefix KEY, --k1 K1, --b B, --shards N)
//	strata search ls
//	strata search drop STORE
//	strata search index STORE [FILE...] (--id ID: stdin as one document)
//	strata search remove STORE ID...
//	strata search query STORE WORDS...  (--and, --limit N, --offset N, --k1 K1, --b B)
//	strata vector create BUCKET INDEX   (--dims N, --metric cosine|euclidean|dot, --kind exact|ivf,
//	                                     --nlist N, --nprobe N, --prefix KEY)
//	strata vector ls
//	strata vector drop BUCKET [INDEX]
//	strata vector put BUCKET INDEX [KEY VECTOR] (--metadata JSON | --file FILE, --batch N)
//	strata vector get BUCKET INDEX KEY  (--vector)
//	strata vector delete BUCKET INDEX KEY...
//	strata vector search BUCKET INDEX VECTOR (--k N, --filter JSON, --nprobe N, --exact, --vector)
//	strata vector train BUCKET INDEX    (--nlist N, --sample N, --seed N)
//	strata vector stats BUCKET [INDEX]
//	strata status
//	strata import debian                (--from PATH..., --batch N, --batch-bytes BYTES)
//	strata demo                         (--from PATH..., --package NAME)
//	strata completion bash|zsh|fish|pwsh
//
// with the global flags --db URL (or $STRATA_DB; default ./strata-data),
// --output table|json|tsv (default: table on a terminal, tsv otherwise) and
// --timeout DURATION (applied to every transaction, both through its
// context and its timeout option).
//
// Keys are tuple literals, such as ("users", 42), packed with the
// FoundationDB tuple encoding (package layer/tuple), or raw:"\x01..." for
// bytes taken as they are; LiteralSyntax is the full grammar, ParseTuple,
// ParseKey, FormatTuple and FormatKey implement it. Keys print in the same
// syntax, so any printed key can be pasted back as an argument. Values are
// stored as the bytes of the argument unless --value-literal asks for the
// key syntax.
//
// The kv commands work on the stores of package kv, registered in the same
// catalog: keys, fields, members and names are plain strings, values the
// bytes of the argument, versions and lease tokens 20 hex digits. A
// condition that needs an absent value (cas, put --xx, del --xx) exits
// with 4; one that fails otherwise (a version mismatch, put --nx on a live
// value, a lease held or lost) with 1.
//
// The blob commands work on the content-addressed stores of package blob,
// registered in the same catalog: put streams a file or stdin in bounded
// transactions and prints the blob's ID (its SHA-256), get streams it back
// to a file or stdout, verified, with a progress bar on stderr when it is a
// terminal; an ID argument may be a unique prefix of 4 hex digits or more.
// get, stat and rm exit with 4 for a missing blob.
//
// The tuple commands work on the n-tuple stores of package tuplestore,
// registered by name in the database; ParsePattern reads their patterns,
// tuple literals whose items may be variables: '?s "title" ?t'. The vn
// commands work on the versioned stores of package vnstore, registered in
// the same catalog, with the same items and patterns; CHANGE is a change
// id as change create prints it. An apply that conflicts with a change
// applied since the change saw its tuples fails with exit code 1 and a
// message starting "vnstore: conflict:"; change rebase moves the change
// onto the latest state.
//
// The eav commands work on the document stores of package eav, registered
// in the same catalog (create, upsert and index register a store on first
// use). Documents are JSON objects, as an argument or on stdin, with typed
// forms for what JSON lacks ({"$bytes": base64}, {"$uuid": ...}, {"$time":
// RFC 3339}, {"$float": "NaN"}); get prints them as JSON lines in the same
// form. IDs are literals: a bare UUID, an integer or a quoted string.
// ParseCondition reads query conditions: 'age>=30', 'name=alice',
// 'age=30..40', 'name^=al', 'email?', or a JSON object; values are JSON
// when they parse as JSON and plain strings otherwise. get, replace,
// delete-fields and delete exit with 4 for a missing document. drop-field
// and index --add run resumable store-wide jobs.
//
// The search commands work on the full-text indexes of package invindex,
// registered in the same catalog: index reads each FILE as a document whose
// id is its path (or stdin as the document --id names), indexing an id
// again replaces its document, and query prints the best matching ids with
// their BM25 scores, best first, ties by id, matching any of the words
// (--and: all of them). remove prints how many of the ids were indexed. A
// missing index, or create of an existing one, exits with 2.
//
// The vector commands work on the vector buckets of package vector,
// registered in the same catalog (create registers a bucket on first use).
// A bucket holds named indexes of float32 vectors of one dimension, each
// with a key and JSON metadata; an index is exact (a full scan) or ivf
// (lists around centroids that train computes by k-means; search scans the
// --nprobe nearest lists, or all with --exact). Vectors are JSON arrays
// ('[0.1, 0.2, 0.3]'); put --file reads JSON lines {"key": ..., "vector":
// [...], "metadata": {...}}. Filters are JSON objects with $eq $ne $gt $gte
// $lt $lte $in $nin $exists $and $or. Every vector command prints JSON
// lines whatever --output says (ls excepted). put --file commits each
// --batch in a transaction of its own, so an error leaves the batches
// before it written. get exits with 4 for a
// missing key; a missing bucket or index, a wrong dimension, a malformed
// vector, filter, metadata or spec, or train of an exact index exit with 2.
//
// Every transaction goes through layer.Transact or layer.ReadTransact, the
// one retry loop. Scans (raw range, raw count, the key count of status) run
// in pages of at most 10,000 rows, 16 MiB or one second per transaction,
// each page continuing after the last key of the one before, so that no
// transaction approaches FoundationDB's five-second limit; tuple query,
// vn query and eav query page the same way (10,000 matches or one second),
// each page resuming from the continuation of the one before.
//
// import debian loads the Debian/Ubuntu package catalog (dpkg status and
// apt lists, or --from files) into every layer under the name "debian",
// in bounded, resumable transactions (package internal/debian), with a
// progress bar on stderr and a summary on stdout; demo imports it into an
// empty database and prints a tour of answers from every layer, each with
// the command that gives it.
//
// # Exit codes
//
//	0    success
//	1    failure: a database or I/O error, a vn change conflict, a kv
//	     condition that fails on a present value (a version mismatch, put --nx
//	     on a live value, a lease held by another holder or lost), a vector
//	     index dropped while a command used it
//	2    usage error: unknown command or flag, wrong arguments, malformed
//	     literal, key or value over the limits, no such store, search index,
//	     vector bucket or index (or, for create, one by that name already), a
//	     vector of the wrong dimension, a malformed vector, filter, metadata
//	     or index spec, vector train of an exact index; nothing was written
//	3    database unavailable: locked by another process, unknown engine
//	4    not found: raw get, tuple get, blob get, stat and rm, kv get, hget,
//	     ttl and lease show, kv conditions that need a value (put --xx, cas,
//	     del --xx), eav get, replace, delete-fields and delete, vector get
//	5    timed out: a transaction ran past --timeout, or kv watch past --for
//	130  interrupted
//
// # Caveats
//
//   - A paged scan is not one snapshot: each page reads at its own read
//     version, so a scan racing with writers may miss or include their keys
//     (each row it prints did exist at its page's version).
//   - Table output sizes its columns on the first 1,000 rows and keeps those
//     widths, so that long scans stream.
//   - A literal that starts with '-' and a letter (-inf) reads as a flag;
//     put it in parentheses, (-inf), or after "--".
//   - Table and tsv output show values as text when they are printable
//     UTF-8; json output carries the exact bytes in base64.
package cli
