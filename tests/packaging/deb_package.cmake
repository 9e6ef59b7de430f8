# The Debian package as a user gets it: built with CPack from this build tree, unpacked with
# dpkg-deb (no root, no system change), and used from where it was unpacked:
#   - the files are where Debian puts them (bin, libexec, share/rdpfault/catalog, man, completion, doc);
#   - the unpacked rdpfault prints its version, finds its own catalog and driver (not the
#     build tree's: RDPFAULT_CATALOG/RDPFAULT_DRIVER are unset and the build tree is not named),
#     and runs a scenario broken then fixed;
#   - every shared library the two binaries load comes from a package the .deb depends on.
# Run by CTest: cmake -DBUILD_DIR=... -DWORK=... -P deb_package.cmake
cmake_minimum_required(VERSION 3.25)

# expect("what went wrong" CONDITION...): fails the test with the message unless CONDITION holds.
# A literal for a regular expression: "libstdc++6" -> "libstdc\\+\\+6".
function(regex_literal out text)
  string(REGEX REPLACE "([][+.*()^$?|\\])" "\\\\\\1" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

macro(expect message)
  if(NOT (${ARGN}))
    message(FATAL_ERROR "${message}")
  endif()
endmacro()

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/out ${WORK}/root)
execute_process(COMMAND cpack -G DEB --config ${BUILD_DIR}/CPackConfig.cmake -B ${WORK}/out
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 240)
expect("cpack failed (${rc}):\n${out}\n${err}" rc EQUAL 0)
file(GLOB debs ${WORK}/out/rdpfault_*.deb)
list(LENGTH debs n)
expect("expected one rdpfault_*.deb in ${WORK}/out, found: ${debs}" n EQUAL 1)
list(GET debs 0 deb)
execute_process(COMMAND dpkg-deb -x ${deb} ${WORK}/root RESULT_VARIABLE rc ERROR_VARIABLE err TIMEOUT 60)
expect("dpkg-deb -x failed: ${err}" rc EQUAL 0)

set(root ${WORK}/root/usr)
foreach(f bin/rdpfault libexec/rdpfault/rdpfault-driver share/man/man1/rdpfault.1.gz
          share/bash-completion/completions/rdpfault share/doc/rdpfault/copyright
          share/doc/rdpfault/LICENSE share/rdpfault/catalog/security_upgrade/tls-cert-expired.toml)
  expect("the package has no usr/${f}" EXISTS ${root}/${f})
endforeach()

set(env ${CMAKE_COMMAND} -E env --unset=RDPFAULT_CATALOG --unset=RDPFAULT_DRIVER)
execute_process(COMMAND ${env} ${root}/bin/rdpfault --version RESULT_VARIABLE rc OUTPUT_VARIABLE out TIMEOUT 30)
expect("rdpfault --version exited ${rc}" rc EQUAL 0)
string(REGEX MATCH "^rdpfault [0-9]+\\.[0-9]+" v "${out}")
expect("rdpfault --version printed '${out}'" v)

# A few scenarios of different kinds (a certificate, NLA, the server's error info), from the
# package's own files only.
execute_process(COMMAND ${env} ${root}/bin/rdpfault run -v --jobs 2 tls-cert-expired nla-wrong-saved-password
                        errinfo-server-denied --json ${WORK}/run.json
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 180)
expect("the unpacked rdpfault could not run its scenarios (${rc}):\n${out}\n${err}" rc EQUAL 0)
file(READ ${WORK}/run.json report)
string(JSON passed GET "${report}" passed)
string(JSON version GET "${report}" version)
expect("the report says ${passed} of 3 passed" passed EQUAL 3)
expect("the report names no version" version)
execute_process(COMMAND ${env} ${root}/bin/rdpfault list --names OUTPUT_VARIABLE names_out TIMEOUT 30)
file(GLOB_RECURSE shipped ${root}/share/rdpfault/catalog/*.toml)
list(LENGTH shipped n_shipped)
string(REGEX MATCHALL "\n" lines "\n${names_out}")
list(LENGTH lines n_listed)
math(EXPR n_listed "${n_listed} - 1")
expect("list --names shows ${n_listed} scenarios, the package has ${n_shipped}" n_listed EQUAL n_shipped)
string(FIND "${err}" "catalog ${root}/share/rdpfault/catalog" at)
expect("the unpacked rdpfault did not use its own catalog:\n${err}" at GREATER -1)
string(FIND "${err}" "driver ${root}/libexec/rdpfault/rdpfault-driver" at)
expect("the unpacked rdpfault did not use its own driver:\n${err}" at GREATER -1)

# Every NEEDED library, resolved as the dynamic loader does, belongs to a declared package or
# to one that a declared package depends on (its recursive closure, from apt's cache, once).
execute_process(COMMAND dpkg-deb -f ${deb} Depends OUTPUT_VARIABLE depends TIMEOUT 30)
string(REGEX REPLACE "\\([^)]*\\)" "" names "${depends}")
string(REGEX REPLACE "[ \n]" "" names "${names}")
string(REPLACE "," ";" names "${names}")
execute_process(COMMAND apt-cache depends --recurse --no-suggests --no-recommends --no-enhances --no-breaks
                        --no-conflicts --no-replaces ${names}
                OUTPUT_VARIABLE closure ERROR_QUIET TIMEOUT 120)
set(libs "")
foreach(bin bin/rdpfault libexec/rdpfault/rdpfault-driver)
  execute_process(COMMAND ldd ${root}/${bin} OUTPUT_VARIABLE ldd TIMEOUT 30)
  string(REGEX MATCHALL "=> /[^ ]+" found "${ldd}")
  list(APPEND libs ${found})
endforeach()
list(REMOVE_DUPLICATES libs)
list(LENGTH libs nlibs)
set(real_paths "")
foreach(l ${libs})
  string(REGEX REPLACE "^=> " "" path "${l}")
  get_filename_component(real ${path} REALPATH)
  list(APPEND real_paths ${real})
endforeach()
# One dpkg -S for all of them: "package:arch: /path" per line.
execute_process(COMMAND dpkg -S ${real_paths} OUTPUT_VARIABLE owners ERROR_VARIABLE missing TIMEOUT 60)
foreach(real ${real_paths})
  regex_literal(real_re "${real}")
  string(REGEX MATCH "(^|\n)([^\n:]+)(:[a-z0-9]+)?: [^\n]*${real_re}(\n|$)" line "${owners}")
  if(NOT line)  # Merged /usr: dpkg may know /lib/... for /usr/lib/..., or the reverse.
    string(REGEX REPLACE "^/usr/lib/" "/lib/" alt ${real})
    execute_process(COMMAND dpkg -S ${alt} OUTPUT_VARIABLE line RESULT_VARIABLE rc ERROR_QUIET TIMEOUT 30)
    expect("${real} (a library the binaries load) belongs to no installed package" rc EQUAL 0)
    set(line "\n${line}")
  endif()
  string(REGEX MATCH "\n?([^\n:]+)" pkg "${line}")
  string(STRIP "${CMAKE_MATCH_1}" pkg)
  regex_literal(pkg_re "${pkg}")
  if(NOT depends MATCHES "(^|[ ,])${pkg_re}([ ,(]|$)" AND NOT closure MATCHES "(^|\n)(  Depends: )?${pkg_re}(\n|$)")
    message(FATAL_ERROR "the binaries load ${real} from ${pkg}, which the package neither depends on nor gets "
                        "through its dependencies (Depends: ${depends})")
  endif()
endforeach()
file(REMOVE_RECURSE ${WORK})
message(STATUS "package ${deb}: files, version ${v}, own catalog and driver, ${nlibs} libraries: all as expected")
