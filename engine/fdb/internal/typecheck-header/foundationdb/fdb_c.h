/*
 * Declaration-only stand-in for FoundationDB's <foundationdb/fdb_c.h>, for
 * TYPE-CHECKING ONLY.
 *
 * strata writes this file so that CI can type-check engine/fdb and the
 * official Go bindings (github.com/apple/foundationdb/bindings/go/src/fdb,
 * which use cgo) on machines without the FoundationDB client installed:
 *
 *     CGO_CFLAGS="-I$PWD/engine/fdb/internal/typecheck-header" \
 *         go vet -tags fdb ./engine/fdb/
 *
 * Nothing may link against it: it declares functions that only libfdb_c
 * defines, and it declares only the part of the C API (API version 730)
 * that the Go bindings use, plus the types they need. To build or run
 * anything, install the FoundationDB 7.3 client package, whose real header
 * lives in /usr/include/foundationdb.
 *
 * The declarations restate facts of the documented C API (api-c.rst in
 * apple/foundationdb, and the option values of fdb.options); they are not
 * a copy of the upstream header. See README.md next to this directory.
 */

#ifndef STRATA_TYPECHECK_FDB_C_H
#define STRATA_TYPECHECK_FDB_C_H

/* The highest API version this header describes. */
#define FDB_LATEST_API_VERSION 730

/* Like the real header: the includer picks the API version first. */
#if !defined(FDB_API_VERSION)
#error "define FDB_API_VERSION (730) before including fdb_c.h"
#elif FDB_API_VERSION > FDB_LATEST_API_VERSION
#error "this type-check header describes API version 730 and older"
#elif FDB_API_VERSION < 710
#error "this type-check header only describes the API of versions 710 to 730"
#endif

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Scalar types ---- */

/* An error code: 0 is success, anything else a FoundationDB error code. */
typedef int fdb_error_t;
/* A C boolean: 0 is false, anything else true. */
typedef int fdb_bool_t;

/* ---- Opaque handles ---- */

typedef struct FDB_future FDBFuture;
typedef struct FDB_result FDBResult;
typedef struct FDB_database FDBDatabase;
typedef struct FDB_tenant FDBTenant;
typedef struct FDB_transaction FDBTransaction;

/* ---- Enumerations (values from fdb.options) ----
 *
 * The bindings pass every option code as a plain integer cast to these
 * types, so only the types matter for type-checking. The option enums list
 * the few codes strata relies on; the others are small closed sets and are
 * listed in full. */

typedef enum {
	FDB_NET_OPTION_TRACE_ENABLE = 30,
	FDB_NET_OPTION_TRACE_FORMAT = 34,
	FDB_NET_OPTION_KNOB = 40,
	FDB_NET_OPTION_EXTERNAL_CLIENT_DIRECTORY = 63,
	FDB_NET_OPTION_DISABLE_CLIENT_BYPASS = 72
} FDBNetworkOption;

typedef enum {
	FDB_DB_OPTION_MAX_WATCHES = 20,
	FDB_DB_OPTION_TRANSACTION_TIMEOUT = 500,
	FDB_DB_OPTION_TRANSACTION_RETRY_LIMIT = 501,
	FDB_DB_OPTION_TRANSACTION_MAX_RETRY_DELAY = 502,
	FDB_DB_OPTION_TRANSACTION_SIZE_LIMIT = 503
} FDBDatabaseOption;

typedef enum {
	/* Int parameter, milliseconds, 0 to INT_MAX; 0 disables. */
	FDB_TR_OPTION_TIMEOUT = 500,
	/* Int parameter, -1 (unlimited) to INT_MAX. */
	FDB_TR_OPTION_RETRY_LIMIT = 501,
	/* Int parameter, milliseconds. */
	FDB_TR_OPTION_MAX_RETRY_DELAY = 502,
	/* Int parameter, bytes, 32 to 10,000,000. */
	FDB_TR_OPTION_SIZE_LIMIT = 503
} FDBTransactionOption;

/* The C values are one below the Go bindings' StreamingMode constants. */
typedef enum {
	FDB_STREAMING_MODE_WANT_ALL = -2,
	FDB_STREAMING_MODE_ITERATOR = -1,
	FDB_STREAMING_MODE_EXACT = 0,
	FDB_STREAMING_MODE_SMALL = 1,
	FDB_STREAMING_MODE_MEDIUM = 2,
	FDB_STREAMING_MODE_LARGE = 3,
	FDB_STREAMING_MODE_SERIAL = 4
} FDBStreamingMode;

typedef enum {
	FDB_MUTATION_TYPE_ADD = 2,
	FDB_MUTATION_TYPE_AND = 6, /* deprecated name of BIT_AND */
	FDB_MUTATION_TYPE_BIT_AND = 6,
	FDB_MUTATION_TYPE_OR = 7, /* deprecated name of BIT_OR */
	FDB_MUTATION_TYPE_BIT_OR = 7,
	FDB_MUTATION_TYPE_XOR = 8, /* deprecated name of BIT_XOR */
	FDB_MUTATION_TYPE_BIT_XOR = 8,
	FDB_MUTATION_TYPE_APPEND_IF_FITS = 9,
	FDB_MUTATION_TYPE_MAX = 12,
	FDB_MUTATION_TYPE_MIN = 13,
	FDB_MUTATION_TYPE_SET_VERSIONSTAMPED_KEY = 14,
	FDB_MUTATION_TYPE_SET_VERSIONSTAMPED_VALUE = 15,
	FDB_MUTATION_TYPE_BYTE_MIN = 16,
	FDB_MUTATION_TYPE_BYTE_MAX = 17,
	FDB_MUTATION_TYPE_COMPARE_AND_CLEAR = 20
} FDBMutationType;

typedef enum {
	FDB_CONFLICT_RANGE_TYPE_READ = 0,
	FDB_CONFLICT_RANGE_TYPE_WRITE = 1
} FDBConflictRangeType;

typedef enum {
	FDB_ERROR_PREDICATE_RETRYABLE = 50000,
	FDB_ERROR_PREDICATE_MAYBE_COMMITTED = 50001,
	FDB_ERROR_PREDICATE_RETRYABLE_NOT_COMMITTED = 50002
} FDBErrorPredicate;

/* ---- Structures ----
 *
 * Packed to 4-byte alignment, as in the real header: on 64-bit platforms
 * FDBKey is 12 bytes and FDBKeyValue 24, offsets the Go bindings hard-code
 * when they walk the arrays the client returns. */

#pragma pack(push, 4)
typedef struct {
	const uint8_t* key;
	int key_length;
} FDBKey;

typedef struct {
	const uint8_t* key;
	int key_length;
	const uint8_t* value;
	int value_length;
} FDBKeyValue;

typedef struct {
	const uint8_t* begin_key;
	int begin_key_length;
	const uint8_t* end_key;
	int end_key_length;
} FDBKeyRange;
#pragma pack(pop)

#if defined(__LP64__) || defined(_WIN64)
_Static_assert(sizeof(FDBKey) == 12, "FDBKey must be 12 bytes (pack 4)");
_Static_assert(sizeof(FDBKeyValue) == 24, "FDBKeyValue must be 24 bytes (pack 4)");
#endif

/* Called on the network thread when a future becomes ready. */
typedef void (*FDBCallback)(FDBFuture* future, void* callback_parameter);

/* ---- API version, errors, network ---- */

fdb_error_t fdb_select_api_version_impl(int runtime_version, int header_version);
#define fdb_select_api_version(v) fdb_select_api_version_impl(v, FDB_API_VERSION)
int fdb_get_max_api_version(void);
const char* fdb_get_client_version(void);

const char* fdb_get_error(fdb_error_t code);
fdb_bool_t fdb_error_predicate(int predicate_test, fdb_error_t code);

fdb_error_t fdb_network_set_option(FDBNetworkOption option, uint8_t const* value, int value_length);
fdb_error_t fdb_setup_network(void);
fdb_error_t fdb_run_network(void);
fdb_error_t fdb_stop_network(void);

/* ---- Futures ---- */

void fdb_future_cancel(FDBFuture* f);
void fdb_future_release_memory(FDBFuture* f);
void fdb_future_destroy(FDBFuture* f);
fdb_error_t fdb_future_block_until_ready(FDBFuture* f);
fdb_bool_t fdb_future_is_ready(FDBFuture* f);
fdb_error_t fdb_future_set_callback(FDBFuture* f, FDBCallback callback, void* callback_parameter);
fdb_error_t fdb_future_get_error(FDBFuture* f);
fdb_error_t fdb_future_get_int64(FDBFuture* f, int64_t* out);
fdb_error_t fdb_future_get_uint64(FDBFuture* f, uint64_t* out);
fdb_error_t fdb_future_get_key(FDBFuture* f, uint8_t const** out_key, int* out_key_length);
fdb_error_t fdb_future_get_value(FDBFuture* f,
                                 fdb_bool_t* out_present,
                                 uint8_t const** out_value,
                                 int* out_value_length);
fdb_error_t fdb_future_get_keyvalue_array(FDBFuture* f,
                                          FDBKeyValue const** out_kv,
                                          int* out_count,
                                          fdb_bool_t* out_more);
fdb_error_t fdb_future_get_key_array(FDBFuture* f, FDBKey const** out_key_array, int* out_count);
fdb_error_t fdb_future_get_string_array(FDBFuture* f, const char*** out_strings, int* out_count);
fdb_error_t fdb_future_get_keyrange_array(FDBFuture* f, FDBKeyRange const** out_ranges, int* out_count);

/* ---- Databases and tenants ---- */

/* cluster_file_path NULL or "" selects the default cluster file. */
fdb_error_t fdb_create_database(const char* cluster_file_path, FDBDatabase** out_database);
fdb_error_t fdb_create_database_from_connection_string(const char* connection_string,
                                                       FDBDatabase** out_database);
void fdb_database_destroy(FDBDatabase* d);
fdb_error_t fdb_database_set_option(FDBDatabase* d, FDBDatabaseOption option, uint8_t const* value, int value_length);
fdb_error_t fdb_database_open_tenant(FDBDatabase* d,
                                     uint8_t const* tenant_name,
                                     int tenant_name_length,
                                     FDBTenant** out_tenant);
fdb_error_t fdb_database_create_transaction(FDBDatabase* d, FDBTransaction** out_transaction);
FDBFuture* fdb_database_reboot_worker(FDBDatabase* db,
                                      uint8_t const* address,
                                      int address_length,
                                      fdb_bool_t check,
                                      int duration);
FDBFuture* fdb_database_get_client_status(FDBDatabase* db);

fdb_error_t fdb_tenant_create_transaction(FDBTenant* tenant, FDBTransaction** out_transaction);
void fdb_tenant_destroy(FDBTenant* tenant);

/* ---- Transactions ---- */

void fdb_transaction_destroy(FDBTransaction* tr);
void fdb_transaction_cancel(FDBTransaction* tr);
void fdb_transaction_reset(FDBTransaction* tr);
fdb_error_t fdb_transaction_set_option(FDBTransaction* tr,
                                       FDBTransactionOption option,
                                       uint8_t const* value,
                                       int value_length);

void fdb_transaction_set_read_version(FDBTransaction* tr, int64_t version);
FDBFuture* fdb_transaction_get_read_version(FDBTransaction* tr);

FDBFuture* fdb_transaction_get(FDBTransaction* tr, uint8_t const* key_name, int key_name_length, fdb_bool_t snapshot);
FDBFuture* fdb_transaction_get_key(FDBTransaction* tr,
                                   uint8_t const* key_name,
                                   int key_name_length,
                                   fdb_bool_t or_equal,
                                   int offset,
                                   fdb_bool_t snapshot);
FDBFuture* fdb_transaction_get_addresses_for_key(FDBTransaction* tr, uint8_t const* key_name, int key_name_length);
FDBFuture* fdb_transaction_get_range(FDBTransaction* tr,
                                     uint8_t const* begin_key_name,
                                     int begin_key_name_length,
                                     fdb_bool_t begin_or_equal,
                                     int begin_offset,
                                     uint8_t const* end_key_name,
                                     int end_key_name_length,
                                     fdb_bool_t end_or_equal,
                                     int end_offset,
                                     int limit,
                                     int target_bytes,
                                     FDBStreamingMode mode,
                                     int iteration,
                                     fdb_bool_t snapshot,
                                     fdb_bool_t reverse);
FDBFuture* fdb_transaction_get_estimated_range_size_bytes(FDBTransaction* tr,
                                                          uint8_t const* begin_key_name,
                                                          int begin_key_name_length,
                                                          uint8_t const* end_key_name,
                                                          int end_key_name_length);
FDBFuture* fdb_transaction_get_range_split_points(FDBTransaction* tr,
                                                  uint8_t const* begin_key_name,
                                                  int begin_key_name_length,
                                                  uint8_t const* end_key_name,
                                                  int end_key_name_length,
                                                  int64_t chunk_size);

void fdb_transaction_set(FDBTransaction* tr,
                         uint8_t const* key_name,
                         int key_name_length,
                         uint8_t const* value,
                         int value_length);
void fdb_transaction_atomic_op(FDBTransaction* tr,
                               uint8_t const* key_name,
                               int key_name_length,
                               uint8_t const* param,
                               int param_length,
                               FDBMutationType operation_type);
void fdb_transaction_clear(FDBTransaction* tr, uint8_t const* key_name, int key_name_length);
void fdb_transaction_clear_range(FDBTransaction* tr,
                                 uint8_t const* begin_key_name,
                                 int begin_key_name_length,
                                 uint8_t const* end_key_name,
                                 int end_key_name_length);
fdb_error_t fdb_transaction_add_conflict_range(FDBTransaction* tr,
                                               uint8_t const* begin_key_name,
                                               int begin_key_name_length,
                                               uint8_t const* end_key_name,
                                               int end_key_name_length,
                                               FDBConflictRangeType type);

FDBFuture* fdb_transaction_watch(FDBTransaction* tr, uint8_t const* key_name, int key_name_length);
FDBFuture* fdb_transaction_commit(FDBTransaction* tr);
fdb_error_t fdb_transaction_get_committed_version(FDBTransaction* tr, int64_t* out_version);
FDBFuture* fdb_transaction_get_approximate_size(FDBTransaction* tr);
FDBFuture* fdb_transaction_get_versionstamp(FDBTransaction* tr);
FDBFuture* fdb_transaction_on_error(FDBTransaction* tr, fdb_error_t error);

#ifdef __cplusplus
}
#endif

#endif /* STRATA_TYPECHECK_FDB_C_H */
