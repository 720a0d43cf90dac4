# Disk faults (issue 7): the buyer's home on a small tmpfs that fills up mid-stage, then grows and
# the push resumes; and SQLite I/O errors (EIO, ENOSPC) injected by an LD_PRELOAD shim into the
# buyer's serve and into the seller's push. The tmpfs part needs root (mount); without it, it
# prints "[chaos] skipped: ..." and passes. Run counts: BATON_CHAOS_DISK_RUNS (default 3).

# libbaton-fault-io.so (tests/support/fault_io.cpp has the usage): makes writes and syncs to
# chosen files fail with EIO or ENOSPC after a byte budget. Plain C++, no project libraries, no
# sanitizer: it is preloaded into another program.
add_library(baton-fault-io SHARED ${CMAKE_SOURCE_DIR}/tests/support/fault_io.cpp)
target_link_libraries(baton-fault-io PRIVATE ${CMAKE_DL_LIBS})
target_compile_options(baton-fault-io PRIVATE -Wall -Wextra -Werror -Wshadow
                       $<$<BOOL:${BATON_SANITIZE}>:-fno-sanitize=all>)
target_link_options(baton-fault-io PRIVATE $<$<BOOL:${BATON_SANITIZE}>:-fno-sanitize=all>)

baton_chaos_test(test_chaos_disk disk_faults_test.cpp)
target_compile_definitions(test_chaos_disk PRIVATE FAULT_IO_LIB="$<TARGET_FILE:baton-fault-io>")
add_dependencies(test_chaos_disk baton-fault-io)
