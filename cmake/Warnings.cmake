# Warnings and sanitizers live on INTERFACE targets that each project target links PRIVATE,
# so no global compile state leaks into dependencies.
add_library(rdpfault_warnings INTERFACE)
target_compile_options(rdpfault_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
  $<$<BOOL:${RDPFAULT_WERROR}>:-Werror>)

add_library(rdpfault_sanitizers INTERFACE)
if(RDPFAULT_SANITIZE)
  target_compile_options(rdpfault_sanitizers INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer)
  target_link_options(rdpfault_sanitizers INTERFACE -fsanitize=address,undefined)
endif()
if(RDPFAULT_BUILD_FUZZERS)
  target_compile_options(rdpfault_sanitizers INTERFACE -fsanitize=fuzzer-no-link,address,undefined)
  target_link_options(rdpfault_sanitizers INTERFACE -fsanitize=address,undefined)
endif()

# rdpfault_add_library(name SOURCES ... DEPS ...): a static library with our conventions.
function(rdpfault_add_library name)
  cmake_parse_arguments(arg "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(rdpfault_${name} STATIC ${arg_SOURCES})
  add_library(rdpfault::${name} ALIAS rdpfault_${name})
  target_compile_features(rdpfault_${name} PUBLIC cxx_std_20)
  target_include_directories(rdpfault_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                                               PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(rdpfault_${name} PUBLIC ${arg_PUBLIC_DEPS}
                                         PRIVATE ${arg_PRIVATE_DEPS} rdpfault_warnings rdpfault_sanitizers)
endfunction()
