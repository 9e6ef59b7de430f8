# rdpfault_version: the one definition of rdpfault::harness::version() (declared in
# harness/include/rdpfault/harness/report.hpp), from `git describe` at build time with the
# project version as the fallback. The runner's reports and the CLI link it.
set(RDPFAULT_VERSION_CPP ${CMAKE_BINARY_DIR}/generated/version.cpp)
set(rdpfault_write_version
    ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DOUT=${RDPFAULT_VERSION_CPP}
    -DFALLBACK=${PROJECT_VERSION} -P ${PROJECT_SOURCE_DIR}/cmake/WriteVersion.cmake)
# Once now, so the file exists; then at every build (a custom target always runs; the file
# changes only when the version does).
execute_process(COMMAND ${rdpfault_write_version})
add_custom_target(rdpfault_version_stamp COMMAND ${rdpfault_write_version} BYPRODUCTS ${RDPFAULT_VERSION_CPP} VERBATIM)
add_library(rdpfault_version STATIC ${RDPFAULT_VERSION_CPP})
add_dependencies(rdpfault_version rdpfault_version_stamp)
target_link_libraries(rdpfault_version PRIVATE rdpfault_warnings)
