// Which server errors retrying cannot fix, decided by SQLSTATE (PQresultErrorField(res,
// PG_DIAG_SQLSTATE)), not by the English text of the message (which a server's lc_messages
// translates). The message users see is unchanged; only the decision moved here.
#pragma once

#include <string_view>

namespace understudy::receiver {

// True when the operator has to act (a missing slot or database, no privilege, WAL already
// removed, a request the server cannot serve); false for what a reconnect may cure (the
// walsender terminated, the server shutting down or starting up, too many connections, a lost
// connection) and for errors without a SQLSTATE.
//
// PostgreSQL raises some replication errors with no errcode (so XX000, internal_error):
// "requested starting point ... is not in this server's history" (permanent: the timeline forked
// before our position), "requested starting point ... is ahead of the WAL flush position" (not
// permanent: the primary may catch up), and CheckXLogRemoved's "requested WAL segment ... has
// already been removed" (errcode_for_file_access() with whatever errno was left: XX000 unless it
// happens to be a file error; permanent). For XX000 alone the message tells them apart.
bool is_permanent_server_error(std::string_view sqlstate, std::string_view message);

}  // namespace understudy::receiver
