# What `cmake --install` puts where, in the FHS places GNUInstallDirs names;
# CMAKE_INSTALL_PREFIX, `cmake --install --prefix` and DESTDIR are honoured.
# Only the three binaries are installed: no test or benchmark binary.
#
#   bin/                                        cara-server, cara-agent, caractrl
#   lib/systemd/system/                         the units (CARA_SYSTEMD_UNIT_DIR)
#   <sysconfdir>/caravanserai/*.env             the units' settings (0600, kept)
#   share/bash-completion/completions/caractrl  and the zsh and fish completions
#   share/caravanserai/schemas/*.json           the manifests' JSON Schemas
#   share/doc/caravanserai/examples/            examples/ (manifests, demo key)

install(TARGETS cara-server cara-agent caractrl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# The completions come from the built caractrl, so they cannot drift from
# its commands.
set(cara_completion_dir ${PROJECT_BINARY_DIR}/completions)
set(cara_completions ${cara_completion_dir}/caractrl.bash ${cara_completion_dir}/_caractrl
    ${cara_completion_dir}/caractrl.fish)
add_custom_command(
  OUTPUT ${cara_completions}
  COMMAND ${CMAKE_COMMAND} -DCARACTRL=$<TARGET_FILE:caractrl> -DOUT_DIR=${cara_completion_dir}
          -P ${PROJECT_SOURCE_DIR}/cmake/write_completions.cmake
  DEPENDS caractrl ${PROJECT_SOURCE_DIR}/cmake/write_completions.cmake
  VERBATIM
  COMMENT "Generating caractrl's shell completions")
add_custom_target(caractrl_completions ALL DEPENDS ${cara_completions})
install(FILES ${cara_completion_dir}/caractrl.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME caractrl)
install(FILES ${cara_completion_dir}/_caractrl
        DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
install(FILES ${cara_completion_dir}/caractrl.fish
        DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/schemas/
        DESTINATION ${CMAKE_INSTALL_DATADIR}/caravanserai/schemas FILES_MATCHING PATTERN "*.json")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

# lib/, not CMAKE_INSTALL_LIBDIR: that is lib/x86_64-linux-gnu on Debian,
# where systemd does not look.
set(CARA_SYSTEMD_UNIT_DIR lib/systemd/system CACHE STRING
    "Where the systemd units go: relative to the install prefix, or absolute")
# The units name the installed binaries and env files, so they are
# written for the prefix the install really uses (see the script).
install(CODE "
  set(CARA_INSTALL_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
  set(CARA_INSTALL_SYSCONFDIR \"${CMAKE_INSTALL_SYSCONFDIR}\")
  set(CARA_UNIT_DIR \"${CARA_SYSTEMD_UNIT_DIR}\")
  set(CARA_UNIT_SOURCE_DIR \"${PROJECT_SOURCE_DIR}/contrib/systemd\")
  set(CARA_STAGING_DIR \"${PROJECT_BINARY_DIR}/install-service-files\")
  include(\"${PROJECT_SOURCE_DIR}/cmake/install_service_files.cmake\")")
