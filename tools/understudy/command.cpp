#include "tools/understudy/command.h"

#include "common/log.h"

namespace understudy::cli {

void set_verbosity(int verbose_count) {
    if (verbose_count >= 2) log::set_level(log::Level::Debug);
    else if (verbose_count == 1) log::set_level(log::Level::Info);
    else log::set_level(log::Level::Warning);
}

}  // namespace understudy::cli
