// XLOG_HEAP2_REWRITE redo: logical rewrite mapping files, PostgreSQL 15
// (src/backend/access/heap/rewriteheap.c heap_xlog_logical_rewrite).
#pragma once

#include "common/result.h"
#include "wal/decoded_record.h"
#include "redo/redo_context.h"

namespace understudy::redo {

// rewriteheap.h LOGICAL_REWRITE_FORMAT "map-%x-%x-%X_%X-%x-%x" under pg_logical/mappings, and
// sizeof(LogicalRewriteMappingData) (two RelFileNodes, two ItemPointerData).
inline constexpr std::size_t SizeOfLogicalRewriteMappingData = 36;

// heap_xlog_logical_rewrite (PG15): open (create) the mapping file the record names, truncate
// it to xlrec->offset, write the record's mappings there and fsync it. These files serve only
// logical decoding of catalog rewrites; pages are not touched.
Result<void> heap_xlog_logical_rewrite(RedoContext& ctx, const DecodedRecord& rec);

}  // namespace understudy::redo
