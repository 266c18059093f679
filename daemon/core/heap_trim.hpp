#pragma once

#include <cstddef>

namespace aic {

/// Hands the heap's free pages back to the system (glibc's malloc_trim, which walks every
/// arena). Without it a burst of traffic leaves a long-running aicd at its high-water mark:
/// glibc returns little of what its threads' arenas freed on its own. Blocking, and it holds
/// each arena's lock while it walks it: call it off the io thread. Returns whether any memory
/// was returned; false where the C library has no such call.
bool release_free_heap();

} // namespace aic
