# `cmake --install` (and the Debian package, cmake/Packaging.cmake): the command line in bin/,
# the FreeRDP driver in libexec/rdpfault/ (a helper, not a command), the scenario catalog in
# share/rdpfault/catalog, the man page and bash completion (harness/CMakeLists.txt), the
# license and the documentation in share/doc/rdpfault.
install(TARGETS rdpfault-driver RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/rdpfault)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/scenarios/catalog/ DESTINATION ${CMAKE_INSTALL_DATADIR}/rdpfault/catalog
        FILES_MATCHING PATTERN "*.toml")
install(FILES ${PROJECT_SOURCE_DIR}/packaging/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR})
# Where README.md links to them: docs/*.md and scenarios/README.md (the scenario schema).
install(FILES ${PROJECT_SOURCE_DIR}/scenarios/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR}/scenarios)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs FILES_MATCHING PATTERN "*.md")

# The build tree has the installed layout, so a binary run from build/<preset>/bin finds the
# catalog the same way an installed one does (../share/rdpfault/catalog): a link to the sources,
# so an edited scenario is seen at once.
file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/share/rdpfault)
if(NOT EXISTS ${CMAKE_BINARY_DIR}/share/rdpfault/catalog)
  file(CREATE_LINK ${PROJECT_SOURCE_DIR}/scenarios/catalog ${CMAKE_BINARY_DIR}/share/rdpfault/catalog SYMBOLIC)
endif()
