#include "tools/understudy/command.h"

#include "common/log.h"
#include "common/sd_notify.h"

namespace understudy::cli {

void set_verbosity(int verbose_count) {
    if (verbose_count >= 2) log::set_level(log::Level::Debug);
    else if (verbose_count == 1) log::set_level(log::Level::Info);
    else log::set_level(log::Level::Warning);
}

void use_service_log_format() {
    log::set_format(service::stderr_is_journal() ? log::Format::journal : log::Format::timestamped);
}

}  // namespace understudy::cli
