// RelFileLocator (storage/relfilelocator.h, PostgreSQL 16 and later): how 16 to 18 name a
// relation's storage, {spcOid, dbOid, relNumber}; the same 12 bytes as 15's RelFileNode
// {spcNode, dbNode, relNode} (redo/decoded_record.h). Record layouts of 16+ use it under 16's
// field names.
#pragma once

#include "wal/decoded_record.h"

namespace understudy {

using RelFileNumber = Oid;

struct RelFileLocator {
    Oid spcOid;
    Oid dbOid;
    RelFileNumber relNumber;
};
static_assert(sizeof(RelFileLocator) == 12);

}  // namespace understudy
